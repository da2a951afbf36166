/**
 * What an import map would do, done by the server: the console's modules and the vendored ones
 * name packages by bare specifier (`preact/hooks`), which a browser cannot load; each is
 * rewritten to the URL the console serves it at. Done here because an import map is an inline
 * script, which the console's Content-Security-Policy does not allow.
 */

/** `from "x"`, `import "x"`, `import("x")`, `export … from "x"`, in source or minified code. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(?\s*)(["'])([^"'\n]+)\2/g;

export class UnresolvedImport extends Error {
  override readonly name = 'UnresolvedImport';
}

/**
 * Rewrites the module's specifiers: bare ones through `packages` (package → served URL),
 * relative ones kept when `served` has them. Throws UnresolvedImport for any other: a module
 * the browser would fail to load is a fault of the console's build, found when it is loaded.
 */
export function resolveSpecifiers(
  code: string,
  from: string,
  packages: ReadonlyMap<string, string>,
  served: (relative: string) => boolean,
): string {
  return code.replace(SPECIFIER, (whole, lead: string, quote: string, specifier: string) => {
    if (specifier.startsWith('./') || specifier.startsWith('../')) {
      if (served(specifier)) return whole;
      throw new UnresolvedImport(`${from} imports ${specifier}, which the console does not serve`);
    }
    const url = packages.get(specifier);
    if (url === undefined) {
      throw new UnresolvedImport(
        `${from} imports the package ${specifier}, which the console does not serve ` +
          '(console-assets.ts: VENDOR)',
      );
    }
    return `${lead}${quote}${url}${quote}`;
  });
}
