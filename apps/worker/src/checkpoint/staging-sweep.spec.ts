import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepStagingDirs } from './staging-sweep';

describe('sweepStagingDirs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sweep-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('removes old seed/restore staging dirs and keeps fresh ones and workspaces', async () => {
    const session = join(dataDir, 'sessions', 's1');
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const name of ['ws', '.ws.seed-abc', '.ws.restore-def', '.ws.seed-fresh']) {
      mkdirSync(join(session, name), { recursive: true });
    }
    utimesSync(join(session, '.ws.seed-abc'), old, old);
    utimesSync(join(session, '.ws.restore-def'), old, old);
    utimesSync(join(session, 'ws'), old, old);

    expect(await sweepStagingDirs(dataDir)).toBe(2);
    expect(existsSync(join(session, 'ws'))).toBe(true);
    expect(existsSync(join(session, '.ws.seed-fresh'))).toBe(true);
    expect(existsSync(join(session, '.ws.seed-abc'))).toBe(false);
    expect(existsSync(join(session, '.ws.restore-def'))).toBe(false);
  });

  it('is a no-op without a sessions directory', async () => {
    expect(await sweepStagingDirs(join(dataDir, 'nothing-here'))).toBe(0);
  });
});
