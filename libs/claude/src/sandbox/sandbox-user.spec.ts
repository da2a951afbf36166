import {
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chownTree, dropToUid, SandboxUids } from './sandbox-user';

const asRoot = process.getuid?.() === 0;
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sbxuid-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SandboxUids', () => {
  it('gives live sandboxes distinct uids, a session the same one again, and frees them', async () => {
    const uids = new SandboxUids({ base: 70_000, count: 8, lockDir: dir });
    const a = await uids.acquire('/data/sessions/a/ws');
    const b = await uids.acquire('/data/sessions/a/ws');
    expect(b).not.toBe(a);
    expect([a, b].every((u) => u >= 70_000 && u < 70_008)).toBe(true);
    await uids.release(a);
    await uids.release(b);
    expect(await uids.acquire('/data/sessions/a/ws')).toBe(a);
  });

  it('never hands out a uid another live worker of this host claimed; takes over a dead one’s', async () => {
    const mine = new SandboxUids({ base: 70_000, count: 2, lockDir: dir });
    // pid 1 is alive; a pid past pid_max is not.
    writeFileSync(join(dir, 'claude-sandbox-uid-70000'), '1');
    writeFileSync(join(dir, 'claude-sandbox-uid-70001'), '99999999');
    expect(await mine.acquire('x')).toBe(70_001);
    await expect(mine.acquire('y')).rejects.toThrow(/all 2 sandbox uids .* are in use/);
  });
});

describe('dropToUid', () => {
  it('becomes the uid for good: no groups, no inheritable or bounding capabilities', () => {
    expect(dropToUid(60_123)).toEqual([
      '/usr/bin/setpriv',
      '--reuid=60123',
      '--regid=60123',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--',
    ]);
  });
});

(asRoot ? describe : describe.skip)('chownTree (as root)', () => {
  it('hands the session its files, never following a link or handing over a hard-linked host file', async () => {
    mkdirSync(join(dir, 'ws/sub'), { recursive: true });
    writeFileSync(join(dir, 'ws/sub/file'), 'x');
    const outside = join(dir, 'host-file');
    writeFileSync(outside, 'secret');
    symlinkSync(outside, join(dir, 'ws/link'));
    linkSync(outside, join(dir, 'ws/hardlink'));
    const result = await chownTree([join(dir, 'ws')], 60_123, (uid) => uid >= 60_000);
    expect(lstatSync(join(dir, 'ws')).uid).toBe(60_123);
    expect(lstatSync(join(dir, 'ws/sub/file')).uid).toBe(60_123);
    expect(lstatSync(join(dir, 'ws/link')).uid).toBe(60_123);
    // Neither the link's target nor the hard-linked file changed owner.
    expect(lstatSync(outside).uid).toBe(0);
    expect(result).toEqual({ scanned: 5, changed: 4 });
    // Once it owns them, nothing changes.
    expect(await chownTree([join(dir, 'ws')], 60_123, () => false)).toEqual({
      scanned: 5,
      changed: 0,
    });
  });
});
