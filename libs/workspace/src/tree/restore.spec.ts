import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ContentStore,
  ManifestUnreadable,
  ObjectCorrupted,
  ObjectMissing,
  type TreeEntry,
} from '@app/checkpoint';
import { restoreWorkspace, snapshotWorkspace, StatCache, WorkspaceRestoreRefused } from '.';
import {
  type Backend,
  fileEntry,
  observe,
  openFsBackend,
  storeTree,
  tempDir,
  uniqueTenant,
  writeWorkspace,
} from './spec/fixtures';

const LIMITS = { maxBytes: 1 << 30, maxFiles: 100_000 };

describe('restoreWorkspace', () => {
  let backend: Backend;
  let dir: string;
  let content: ContentStore;
  let parent: string;
  let target: string;
  beforeAll(async () => {
    backend = await openFsBackend();
  });
  afterAll(() => backend.close());
  beforeEach(async () => {
    content = new ContentStore(backend.objects, uniqueTenant());
    dir = await tempDir('ws-restore-');
    parent = join(dir, 'sessions');
    target = join(parent, 'ws');
    await writeWorkspace(target, { 'keep.txt': 'the old workspace\n' });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** The target still holds the old workspace and nothing was left beside it. */
  const expectUntouched = async (): Promise<void> => {
    expect(await readFile(join(target, 'keep.txt'), 'utf8')).toBe('the old workspace\n');
    expect(await readdir(target)).toEqual(['keep.txt']);
    expect(await readdir(parent)).toEqual(['ws']);
  };
  const withLink = async (name: string, link: string, extra: TreeEntry[] = []): Promise<string> =>
    storeTree(content, [
      await fileEntry(content, 'a.txt', 'a'),
      ...extra,
      { name, type: 'symlink', mode: 0o777, target: link },
    ]);

  it('replaces an existing target with the tree, removing what the tree does not hold', async () => {
    const source = join(dir, 'source');
    await writeWorkspace(source, { 'new.txt': 'new\n', 'sub/x': 'x' });
    const { snapshot } = await snapshotWorkspace(content, source, LIMITS);
    await restoreWorkspace(content, snapshot.tree, target);
    expect(await observe(target)).toEqual(await observe(source));
    expect(await readdir(parent)).toEqual(['ws']);
  });

  it('creates the target and its parents when missing', async () => {
    const tree = await storeTree(content, [await fileEntry(content, 'a.txt', 'a')]);
    const deep = join(dir, 'x', 'y', 'ws');
    expect(await restoreWorkspace(content, tree, deep)).toEqual({
      files: 1,
      dirs: 0,
      symlinks: 0,
      bytes: 1,
    });
    expect(await readFile(join(deep, 'a.txt'), 'utf8')).toBe('a');
  });

  it.each([
    ['an absolute target', 'evil', '/etc/passwd'],
    ['a target that climbs out', 'evil', '../outside'],
    ['a target that climbs out after a detour', 'evil', 'x/../../outside'],
  ])('refuses a symlink with %s and leaves the target untouched', async (_, name, link) => {
    const tree = await withLink(name, link);
    await expect(restoreWorkspace(content, tree, target)).rejects.toThrow(WorkspaceRestoreRefused);
    await expectUntouched();
  });

  it('refuses a symlink that escapes only through another symlink', async () => {
    const deep = await storeTree(content, [
      { name: 'up', type: 'symlink', mode: 0o777, target: '../..' },
    ]);
    const mid = await storeTree(content, [{ name: 'q', type: 'dir', mode: 0o755, hash: deep }]);
    const tree = await withLink('escape', 'p/q/up/..', [
      { name: 'p', type: 'dir', mode: 0o755, hash: mid },
    ]);
    const error = await restoreWorkspace(content, tree, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkspaceRestoreRefused);
    expect((error as Error).message).toContain(
      '"escape" is a link to p/q/up/.., which leads outside',
    );
    await expectUntouched();
  });

  it('refuses duplicate names and names the schema rejects, leaving the target untouched', async () => {
    const a = await fileEntry(content, 'a.txt', 'a');
    await expect(
      restoreWorkspace(content, await storeTree(content, [a, a]), target),
    ).rejects.toThrow(/"a.txt" appears twice/);
    const slash = { ...a, name: '../x' };
    await expect(
      restoreWorkspace(content, await storeTree(content, [slash]), target),
    ).rejects.toThrow(ManifestUnreadable);
    const long = { ...a, name: 'é'.repeat(200) };
    await expect(
      restoreWorkspace(content, await storeTree(content, [long]), target),
    ).rejects.toThrow(/longer than 255 bytes/);
    await expectUntouched();
  });

  it('refuses a small tree that expands past maxEntries', async () => {
    let hash = await storeTree(content, [await fileEntry(content, 'f', 'x')]);
    for (let i = 0; i < 12; i++) {
      hash = await storeTree(content, [
        { name: 'l', type: 'dir', mode: 0o755, hash },
        { name: 'r', type: 'dir', mode: 0o755, hash },
      ]);
    }
    await expect(restoreWorkspace(content, hash, target, { maxEntries: 5000 })).rejects.toThrow(
      /expands to more than 5000 entries/,
    );
    await expectUntouched();
  });

  it('fails on a corrupted object with ObjectCorrupted, leaving the target and no temp dir', async () => {
    const files = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fileEntry(content, `f${String(i).padStart(2, '0')}`, `file ${i}\n`),
      ),
    );
    const tree = await storeTree(content, files);
    const victim = files[13] as { hash: string };
    const path = join(backend.fsRoot as string, content.keyOf(victim.hash));
    const bytes = await readFile(path);
    bytes[bytes.length - 2] ^= 0xff;
    await writeFile(path, bytes);
    await expect(restoreWorkspace(content, tree, target)).rejects.toThrow(ObjectCorrupted);
    await expectUntouched();
  });

  it('fails on a missing object with ObjectMissing, leaving the target and no temp dir', async () => {
    const missing = {
      name: 'm',
      type: 'file' as const,
      mode: 0o644,
      size: 1,
      hash: 'f'.repeat(64),
    };
    const tree = await storeTree(content, [await fileEntry(content, 'a', 'a'), missing]);
    await expect(restoreWorkspace(content, tree, target)).rejects.toThrow(ObjectMissing);
    await expectUntouched();
  });

  it('fails when a blob does not have the size its entry says', async () => {
    const lying = { ...(await fileEntry(content, 'a', 'abc')), size: 4 };
    await expect(
      restoreWorkspace(content, await storeTree(content, [lying]), target),
    ).rejects.toThrow(/RestoreMismatch: a was not restored/);
    await expectUntouched();
  });

  it('refuses a target that is a file', async () => {
    const tree = await storeTree(content, []);
    await expect(restoreWorkspace(content, tree, join(target, 'keep.txt'))).rejects.toThrow(
      /exists and is not a directory/,
    );
    await expectUntouched();
  });

  it('drops setuid and setgid, keeps read-only directories, and can restore over them again', async () => {
    const file = await fileEntry(content, 'tool', '#!/bin/sh\n', 0o6755);
    const ro = await storeTree(content, [await fileEntry(content, 'inner', 'i', 0o444)]);
    const tree = await storeTree(content, [
      { name: 'ro', type: 'dir', mode: 0o555, hash: ro },
      file,
    ]);
    await restoreWorkspace(content, tree, target);
    expect((await stat(join(target, 'tool'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(target, 'ro'))).mode & 0o7777).toBe(0o555);
    expect((await stat(join(target, 'ro', 'inner'))).mode & 0o7777).toBe(0o444);
    await restoreWorkspace(content, tree, target);
    expect(await readdir(parent)).toEqual(['ws']);
  });

  it('primes the cache: after a restore, the next snapshot reads only what changed', async () => {
    const source = join(dir, 'source');
    await writeWorkspace(source, { 'a.txt': 'a', 'b/c.txt': 'c', 'b/d.txt': 'd' });
    const { snapshot } = await snapshotWorkspace(content, source, LIMITS);
    const cache = new StatCache();
    await restoreWorkspace(content, snapshot.tree, target, { cache });
    const mtime = (await stat(join(target, 'a.txt'))).mtimeMs;
    expect(Date.now() - mtime).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - mtime).toBeLessThan(10_000);

    await writeFile(join(target, 'b/d.txt'), 'D');
    const next = await snapshotWorkspace(content, target, { ...LIMITS, cache });
    expect(next.stats).toMatchObject({ hashed: 1, reused: 2 });
    expect(next.snapshot.tree).not.toBe(snapshot.tree);
  });
});
