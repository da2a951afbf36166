import { posix } from 'node:path';
import { WorkspaceRestoreRefused } from './errors';
import type { PlannedLink } from './restore-plan';

/** Linux gives up after 40 links in one lookup (MAXSYMLINKS); such a link is broken, not unsafe. */
const MAX_HOPS = 40;

/**
 * Refuses links that lead out of the restored directory: absolute targets, targets that climb
 * above the root once normalised against the link's directory, and targets that only escape
 * when the links they pass through are followed (`l -> d/s/..` where `d/s -> ../..` climbs one
 * level higher than the text says). Whoever later follows a link in the workspace (a tool on
 * the worker, an archive of it) must stay inside it. Dangling links are fine.
 */
export function checkSymlinks(links: readonly PlannedLink[]): void {
  const targets = new Map(links.map((l) => [l.rel, l.target]));
  for (const { rel, target } of links) {
    if (target.includes('\0')) throw new WorkspaceRestoreRefused(rel, 'is a link with a NUL byte');
    if (posix.isAbsolute(target)) {
      throw new WorkspaceRestoreRefused(rel, `is a link to the absolute path ${target}`);
    }
    const dir = posix.dirname(rel);
    const lexical = posix.normalize(posix.join(dir, target));
    if (lexical === '..' || lexical.startsWith('../')) {
      throw new WorkspaceRestoreRefused(rel, `is a link to ${target}, outside the workspace`);
    }
    const start = dir === '.' ? [] : dir.split('/');
    if (resolve(start, target, targets, { hops: 0 }) === ESCAPES) {
      throw new WorkspaceRestoreRefused(
        rel,
        `is a link to ${target}, which leads outside the workspace through other links`,
      );
    }
  }
}

const ESCAPES = Symbol('escapes');

/** Where `target` leads from the directory `from` (segments), following links in the tree. */
function resolve(
  from: readonly string[],
  target: string,
  targets: ReadonlyMap<string, string>,
  budget: { hops: number },
): string[] | typeof ESCAPES {
  if (posix.isAbsolute(target)) return ESCAPES;
  let at = [...from];
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (at.length === 0) return ESCAPES;
      at.pop();
      continue;
    }
    const next = targets.get([...at, segment].join('/'));
    if (next === undefined) {
      at.push(segment);
      continue;
    }
    if (++budget.hops > MAX_HOPS) return at;
    const followed = resolve(at, next, targets, budget);
    if (followed === ESCAPES) return ESCAPES;
    at = followed;
  }
  return at;
}
