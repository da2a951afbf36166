import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BROWSER_DIR } from './console-assets';

/**
 * The console's browser modules are checked by their own tsconfig (DOM types, ES modules),
 * which `npm run typecheck` does not run: this spec does, so CI holds them to strict
 * TypeScript like the rest.
 */
it('type-checks the console’s browser modules (strict, DOM)', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(BROWSER_DIR, 'tsconfig.json')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stdout + run.stderr).toBe('');
  expect(run.status).toBe(0);
}, 60_000);
