import picomatch from 'picomatch';

export type ExcludeMatcher = (rel: string, isDir: boolean) => boolean;

/**
 * picomatch globs, read the way .gitignore lines are, which is what people write here:
 * - a pattern without `/` matches an entry's name at any depth (`*.log`, `node_modules`);
 * - a pattern with `/` matches the path from the root (`build/**`, `src/gen/*.ts`; a leading
 *   `/` only anchors: `/dist`);
 * - a trailing `/` matches directories only (`cache/`).
 * Dot files are matched like any other. A matching directory is left out whole, unread:
 * `node_modules/**` matches `node_modules` itself.
 */
export function excludeMatcher(patterns: readonly string[]): ExcludeMatcher {
  const rules = patterns
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '')
    .map((pattern) => {
      const dirOnly = pattern.endsWith('/');
      const body = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
      const anchored = pattern.startsWith('/') || body.includes('/');
      return { dirOnly, anchored, test: picomatch(body, { dot: true }) };
    });
  if (rules.length === 0) return () => false;
  return (rel, isDir) => {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    return rules.some((r) => (!r.dirOnly || isDir) && r.test(r.anchored ? rel : name));
  };
}
