import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ContentStore, ObjectMissing, WorkspaceTree } from '@app/checkpoint';
import { restoreWorkspace, snapshotWorkspace, StatCache, WorkspaceReader } from '..';
import {
  type Backend,
  observe,
  tempDir,
  textBytes,
  uniqueTenant,
  writeWorkspace,
} from './fixtures';

const LIMITS = { maxBytes: 1 << 30, maxFiles: 100_000 };

/** Snapshot, restore and read: the same expectations on every object store. */
export function workspaceSuite(open: () => Promise<Backend>): void {
  let backend: Backend;
  let dir: string;
  beforeAll(async () => {
    backend = await open();
    dir = await tempDir('ws-suite-');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await backend?.close();
  });

  it('round-trips a workspace exactly: content, modes, links, empty dirs and files, a chunked file', async () => {
    const content = new ContentStore(backend.objects, uniqueTenant());
    const source = join(dir, 'source');
    const big = Buffer.concat([textBytes(2_000_000, 7), randomish(1_500_000)]);
    await writeWorkspace(source, {
      'README.md': '# hello\n',
      'bin/run.sh': { content: '#!/bin/sh\necho hi\n', mode: 0o755 },
      'secret.txt': { content: 'pw', mode: 0o600 },
      'empty.txt': '',
      'empty-dir': { dir: 0o755 },
      'locked-dir': { dir: 0o750 },
      'dir with space/ünïcödé 文件.txt': 'unicode\n',
      'nested/a/b/deep.txt': 'deep\n',
      'nested/link-up': { link: '../README.md' },
      'into-sub': { link: 'nested/a/b/deep.txt' },
      'dir-link': { link: 'nested/a' },
      dangling: { link: 'not-there' },
      'data/big.bin': big,
    });
    const taken = await snapshotWorkspace(content, source, LIMITS);
    expect(taken.snapshot.files).toBe(7);
    expect(taken.snapshot.bytes).toBe(8 + 18 + 2 + 0 + 8 + 5 + big.length);
    expect(taken.stats).toEqual({ files: 7, dirs: 8, symlinks: 4, hashed: 7, reused: 0 });
    expect(taken.skipped).toEqual([]);
    expect(taken.storedBytes).toBeLessThan(taken.newBytes);

    const root = WorkspaceTree.parse(
      JSON.parse((await content.getBlob(taken.snapshot.tree)).toString()),
    );
    expect(root.entries.map((e) => e.name)).toEqual([
      'README.md',
      'bin',
      'dangling',
      'data',
      'dir with space',
      'dir-link',
      'empty-dir',
      'empty.txt',
      'into-sub',
      'locked-dir',
      'nested',
      'secret.txt',
    ]);

    const target = join(dir, 'restored');
    const cache = new StatCache();
    const restored = await restoreWorkspace(content, taken.snapshot.tree, target, { cache });
    expect(restored).toEqual({ files: 7, dirs: 8, symlinks: 4, bytes: taken.snapshot.bytes });
    expect(await observe(target)).toEqual(await observe(source));

    // The restored copy is the same tree, and the primed cache reads none of it.
    const again = await snapshotWorkspace(content, target, { ...LIMITS, cache });
    expect(again.snapshot.tree).toBe(taken.snapshot.tree);
    expect(again.stats).toMatchObject({ hashed: 0, reused: 7 });
    expect(again.storedBytes).toBe(0);

    const reader = new WorkspaceReader(content);
    const part = await reader.read(taken.snapshot.tree, 'data/big.bin', {
      offset: 1_999_000,
      length: 5000,
    });
    expect(part.content.equals(big.subarray(1_999_000, 2_004_000))).toBe(true);
    expect(part.size).toBe(big.length);
  });

  it('fails a restore whose object is missing, leaving the target as it was', () =>
    missingObjectCase(backend, dir));
}

/** A workspace whose `b.txt` blob has gone from the store; restore must fail cleanly. */
async function missingObjectCase(backend: Backend, dir: string): Promise<void> {
  const content = new ContentStore(backend.objects, uniqueTenant());
  const source = join(dir, 'source-missing');
  await writeWorkspace(source, { 'a.txt': 'a', 'sub/b.txt': 'only here', 'sub/c.txt': 'c' });
  const { snapshot } = await snapshotWorkspace(content, source, LIMITS);
  const lost = createHash('sha256').update('only here').digest('hex');
  await backend.objects.delete([content.keyOf(lost)]);

  const parent = join(dir, 'missing-parent');
  const target = join(parent, 'ws');
  await writeWorkspace(target, { 'old.txt': 'old' });
  await expect(restoreWorkspace(content, snapshot.tree, target)).rejects.toThrow(ObjectMissing);
  expect(await readdir(parent)).toEqual(['ws']);
  expect(await observe(target)).toEqual({ 'old.txt': expect.objectContaining({ type: 'file' }) });
}

/** Bytes that compress poorly, deterministically. */
function randomish(size: number): Buffer {
  const out = Buffer.alloc(size);
  let state = 12345;
  for (let i = 0; i < size; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}
