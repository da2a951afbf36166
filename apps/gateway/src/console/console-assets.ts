import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { resolveSpecifiers } from './module-specifiers';
import { stripTypes } from './strip-types';

/** Where the console is served (DESIGN.md: `GET /console`). */
export const CONSOLE_PATH = '/console';

/** The browser's sources: beside this file, and copied beside it in dist/ (nest-cli.json assets). */
export const BROWSER_DIR = join(__dirname, 'browser');

/**
 * The packages the console's modules import, each as one ES module file that imports nothing
 * but these: package → its file, and the URL it is served at.
 */
const VENDOR: ReadonlyArray<{ name: string; file: () => string; url: string }> = [
  { name: 'preact', file: () => require.resolve('preact'), url: 'vendor/preact.mjs' },
  {
    name: 'preact/hooks',
    file: () => require.resolve('preact/hooks'),
    url: 'vendor/preact-hooks.mjs',
  },
];

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.mts': 'text/javascript; charset=utf-8',
};

export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  /** Strong validator: the console is small, so browsers revalidate rather than cache blindly. */
  etag: string;
}

/**
 * Everything /console serves, by path: the page, its stylesheet, its modules (TypeScript in
 * the repository, types stripped here, so `npm start` needs no build step) and the vendored
 * packages they import. Loaded once; a module that would not load in a browser (syntax that
 * cannot be stripped, an import of something not served) fails the load, naming it.
 */
export async function loadConsoleAssets(dir = BROWSER_DIR): Promise<Map<string, ConsoleAsset>> {
  const files = readdirSync(dir);
  const modules = files.filter((f) => f.endsWith('.mts')).sort();
  const packages = new Map(VENDOR.map((v) => [v.name, `${CONSOLE_PATH}/${v.url}`]));
  const servedModule = (specifier: string) => modules.includes(specifier.slice(2));
  const assets = new Map<string, ConsoleAsset>();
  const add = (path: string, body: string | Buffer) =>
    assets.set(`${CONSOLE_PATH}/${path}`, asset(body, TYPES[extname(path)]));

  const stripped = await stripTypes(
    modules.map((name) => ({ name, source: readFileSync(join(dir, name), 'utf8') })),
  );
  modules.forEach((name, i) =>
    add(`app/${name}`, resolveSpecifiers(stripped[i], name, packages, servedModule)),
  );
  for (const vendor of VENDOR) {
    const code = readFileSync(vendor.file(), 'utf8');
    // Vendored files import only each other: no relative imports to serve.
    add(
      vendor.url,
      resolveSpecifiers(code, vendor.name, packages, () => false),
    );
  }
  add('console.css', readFileSync(join(dir, 'console.css')));
  const page = readFileSync(join(dir, 'index.html'));
  assets.set(CONSOLE_PATH, asset(page, TYPES['.html']));
  assets.set(`${CONSOLE_PATH}/`, asset(page, TYPES['.html']));
  return assets;
}

function asset(body: string | Buffer, contentType: string): ConsoleAsset {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
  return { body: bytes, contentType, etag };
}
