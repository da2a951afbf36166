import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSER_DIR, CONSOLE_PATH, loadConsoleAssets, type ConsoleAsset } from './console-assets';
import { resolveSpecifiers, UnresolvedImport } from './module-specifiers';
import { TypeStripFailed } from './strip-types';

/** An import the browser would resolve: a URL path the console serves, or a module beside it. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

describe('loadConsoleAssets', () => {
  let assets: Map<string, ConsoleAsset>;
  beforeAll(async () => {
    assets = await loadConsoleAssets();
  });

  it('serves the page, its stylesheet and every module, each import resolving to a served module', () => {
    const page = assets.get(CONSOLE_PATH)?.body.toString('utf8') ?? '';
    // Every script and stylesheet the page names is served, and nothing runs inline.
    const referenced = [...page.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((m) => m[1]);
    expect(referenced).toEqual(['/console/console.css', '/console/app/main.mts']);
    for (const path of referenced) expect(assets.has(path)).toBe(true);
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/\sstyle=|<style/);

    const modules = [...assets.entries()].filter(([, a]) =>
      a.contentType.startsWith('text/javascript'),
    );
    expect(modules.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        '/console/app/main.mts',
        '/console/vendor/preact.mjs',
        '/console/vendor/preact-hooks.mjs',
      ]),
    );
    for (const [path, asset] of modules) {
      const code = asset.body.toString('utf8');
      for (const [, specifier] of code.matchAll(IMPORT)) {
        const url = new URL(specifier, `http://gateway${path}`).pathname;
        expect({ path, specifier, served: assets.has(url) }).toEqual({
          path,
          specifier,
          served: true,
        });
      }
    }
  });

  it('strips types, keeping every line where it was (browser errors point into the source)', () => {
    const source = readFileSync(join(BROWSER_DIR, 'event-feed.mts'), 'utf8');
    const served = assets.get('/console/app/event-feed.mts')?.body.toString('utf8') ?? '';
    expect(served.split('\n')).toHaveLength(source.split('\n').length);
    expect(source).toContain('private lastEventId?: string;');
    expect(served).not.toContain('lastEventId?: string');
    expect(served).toContain('export class EventFeed');
  });

  it('refuses a module whose types cannot be erased, or that imports what is not served', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-assets-'));
    try {
      for (const name of ['index.html', 'console.css']) writeFileSync(join(dir, name), '');
      writeFileSync(join(dir, 'main.mts'), 'enum Colour { Red }\nexport const c = Colour.Red;\n');
      await expect(loadConsoleAssets(dir)).rejects.toThrow(TypeStripFailed);
      await expect(loadConsoleAssets(dir)).rejects.toThrow(/main\.mts: .*enum/);
      writeFileSync(
        join(dir, 'main.mts'),
        "import { x } from './missing.mts';\nexport const y: number = x;\n",
      );
      await expect(loadConsoleAssets(dir)).rejects.toThrow(/main\.mts imports \.\/missing\.mts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveSpecifiers', () => {
  const packages = new Map([['preact', '/console/vendor/preact.mjs']]);

  it('rewrites bare specifiers in source and minified code, keeps served relative ones', () => {
    const code = `import { h } from 'preact';\nimport{options as n}from"preact";\nimport { a } from './a.mts';`;
    expect(resolveSpecifiers(code, 'm', packages, (s) => s === './a.mts')).toBe(
      `import { h } from '/console/vendor/preact.mjs';\nimport{options as n}from"/console/vendor/preact.mjs";\nimport { a } from './a.mts';`,
    );
  });

  it('throws UnresolvedImport for a package it does not serve', () => {
    expect(() =>
      resolveSpecifiers("import x from 'lodash';", 'm.mts', packages, () => true),
    ).toThrow(
      new UnresolvedImport(
        'm.mts imports the package lodash, which the console does not serve (console-assets.ts: VENDOR)',
      ),
    );
  });
});
