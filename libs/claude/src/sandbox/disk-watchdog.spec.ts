import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@app/testing/eventually';
import { diskUsage, DiskWatchdog, MIN_ENTRY_BYTES } from './disk-watchdog';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'diskwd-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('diskUsage', () => {
  it('counts allocated blocks, at least a minimum per entry, never through a link', async () => {
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a/data'), Buffer.alloc(1024 * 1024, 1));
    for (let i = 0; i < 10; i++) writeFileSync(join(dir, `empty-${i}`), '');
    symlinkSync('/usr', join(dir, 'usr'));
    const used = await diskUsage([dir]);
    expect(used).toBeGreaterThanOrEqual(1024 * 1024 + 12 * MIN_ENTRY_BYTES);
    expect(used).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('DiskWatchdog', () => {
  it('reports once when the files pass the limit', async () => {
    const exceeded: number[] = [];
    const watchdog = new DiskWatchdog({
      roots: [dir],
      limitBytes: 512 * 1024,
      intervalMs: 10,
      onExceeded: (used) => exceeded.push(used),
    });
    watchdog.start();
    try {
      writeFileSync(join(dir, 'small'), Buffer.alloc(1024, 1));
      writeFileSync(join(dir, 'big'), Buffer.alloc(1024 * 1024, 1));
      await eventually('the watchdog to report', () => exceeded.length > 0);
      writeFileSync(join(dir, 'bigger'), Buffer.alloc(1024 * 1024, 1));
      await eventually('another measurement', () => watchdog.peakBytes > 2 * 1024 * 1024);
      expect(exceeded).toHaveLength(1);
      expect(watchdog.hasExceeded).toBe(true);
    } finally {
      watchdog.stop();
    }
  });
});
