import { execFileSync } from 'node:child_process';
import { appendFile, chmod, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ContentStore as Store,
  ContentStore,
  objectsPrefix,
  WorkspaceTree,
} from '@app/checkpoint';
import { snapshotWorkspace, type SnapshotOptions, StatCache } from '.';
import { storeFile } from './store-file';
import {
  type Backend,
  openFsBackend,
  tempDir,
  textBytes,
  uniqueTenant,
  writeWorkspace,
} from './spec/fixtures';

const LIMITS = { maxBytes: 1 << 30, maxFiles: 100_000 };

describe('snapshotWorkspace', () => {
  let backend: Backend;
  let dir: string;
  let content: Store;
  let root: string;
  beforeAll(async () => {
    backend = await openFsBackend();
    dir = await tempDir('ws-snap-');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await backend.close();
  });
  beforeEach(async () => {
    content = new ContentStore(backend.objects, uniqueTenant());
    root = await mkdtemp(join(dir, 'root-'));
  });

  const objectCount = async (): Promise<number> => {
    let count = 0;
    for await (const _ of backend.objects.list(objectsPrefix(content.tenant))) count++;
    return count;
  };
  const treeOf = async (hash: string) =>
    WorkspaceTree.parse(JSON.parse((await content.getBlob(hash)).toString()));
  const snap = (options: Partial<SnapshotOptions> = {}) =>
    snapshotWorkspace(content, root, { ...LIMITS, ...options });

  /** 3 top-level dirs × 4 subdirs × 10 files, plus a chunked file. */
  const project = async (): Promise<void> => {
    const files: Record<string, Buffer> = {};
    for (let d = 0; d < 3; d++) {
      for (let s = 0; s < 4; s++) {
        for (let f = 0; f < 10; f++)
          files[`pkg${d}/mod${s}/file${f}.ts`] = textBytes(2000 + f * 37, d * 100 + s * 10 + f);
      }
    }
    files['assets/big.dat'] = textBytes(3_000_000, 99);
    await writeWorkspace(root, files);
  };

  it('stores nothing for an unchanged workspace, and only a changed file and its path trees', async () => {
    await project();
    const cache = new StatCache();
    const first = await snap({ cache });
    expect(first.stats).toEqual({ files: 121, dirs: 16, symlinks: 0, hashed: 121, reused: 0 });

    const unchanged = await snap({ cache });
    expect(unchanged.snapshot.tree).toBe(first.snapshot.tree);
    expect(unchanged.stats).toMatchObject({ hashed: 0, reused: 121 });
    expect(unchanged.storedBytes).toBe(0);
    expect(unchanged.newBytes).toBe(0);

    const before = await objectCount();
    await writeFile(join(root, 'pkg1/mod2/file3.ts'), textBytes(2111, 4242));
    const changed = await snap({ cache });
    expect(changed.stats).toMatchObject({ hashed: 1, reused: 120 });
    // The file, and the trees of pkg1/mod2, pkg1 and the root: nothing else.
    expect((await objectCount()) - before).toBe(4);
    expect(changed.newBytes).toBeLessThan(2111 + 3 * 2000);
    expect(changed.storedBytes).toBeLessThan(changed.newBytes);

    const [oldRoot, newRoot] = [
      await treeOf(first.snapshot.tree),
      await treeOf(changed.snapshot.tree),
    ];
    const hashes = (t: WorkspaceTree) =>
      Object.fromEntries(t.entries.map((e) => [e.name, 'hash' in e ? e.hash : '']));
    expect(hashes(newRoot).pkg0).toBe(hashes(oldRoot).pkg0);
    expect(hashes(newRoot).assets).toBe(hashes(oldRoot).assets);
    expect(hashes(newRoot).pkg1).not.toBe(hashes(oldRoot).pkg1);
  });

  it('stores only the appended bytes of a grown large file', async () => {
    await writeWorkspace(root, { 'log.txt': textBytes(4_000_000, 3) });
    const cache = new StatCache();
    const first = await snap({ cache });
    await appendFile(join(root, 'log.txt'), textBytes(50_000, 4));
    const grown = await snap({ cache });
    expect(grown.stats.hashed).toBe(1);
    expect(grown.newBytes).toBeLessThan(first.newBytes / 4);
  });

  it('reads a file again when its mtime is too recent to trust, but does not store it again', async () => {
    await writeFile(join(root, 'fresh.txt'), 'just written');
    const cache = new StatCache();
    await snap({ cache });
    const second = await snap({ cache });
    expect(second.stats).toMatchObject({ hashed: 1, reused: 0 });
    expect(second.storedBytes).toBe(0);
  });

  it('without a cache, hashes everything and still stores nothing new', async () => {
    await project();
    const first = await snap();
    const second = await snap();
    expect(second.snapshot.tree).toBe(first.snapshot.tree);
    expect(second.stats).toMatchObject({ hashed: 121, reused: 0 });
    expect(second.storedBytes).toBe(0);
  });

  it('stores identical files once', async () => {
    await writeWorkspace(root, { a: 'same', b: 'same', c: '', d: '' });
    const result = await snap();
    expect(await objectCount()).toBe(3); // "same", "", the root tree
    expect(result.newBytes).toBe(4 + (await content.getBlob(result.snapshot.tree)).length);
  });

  it('leaves out excluded paths, listing an excluded directory once', async () => {
    await writeWorkspace(root, {
      'node_modules/x/index.js': 'x',
      'node_modules/y/index.js': 'y',
      'src/node_modules/z.js': 'z',
      'src/app.ts': 'app',
      'src/debug.log': 'log',
      'debug.log': 'log',
      'cache/a': 'a',
      'build/cache': 'a file named cache',
      '.env': 'SECRET=1',
    });
    const result = await snap({ excludes: ['node_modules/**', '*.log', 'cache/', '/.env'] });
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { path: 'node_modules', reason: 'excluded' },
        { path: 'src/debug.log', reason: 'excluded' },
        { path: 'debug.log', reason: 'excluded' },
        { path: 'cache', reason: 'excluded' },
        { path: '.env', reason: 'excluded' },
      ]),
    );
    expect(result.skipped).toHaveLength(5);
    expect(result.stats.files).toBe(3); // src/node_modules/z.js, src/app.ts, build/cache
  });

  it('leaves out files over maxBytes and maxFiles, the same ones every time, and says so', async () => {
    await writeWorkspace(root, {
      'a.txt': '1234',
      'b.txt': '123456',
      'c.txt': '12',
      'd/e.txt': '1',
      'd/f.txt': '1',
      'g/h.txt': '1',
    });
    const bySize = await snap({ maxBytes: 8 });
    expect(bySize.skipped).toEqual([
      { path: 'b.txt', reason: 'over_size_limit', detail: '6 bytes; 4 of maxBytes 8 left' },
      { path: 'g/h.txt', reason: 'over_size_limit', detail: '1 bytes; 0 of maxBytes 8 left' },
    ]);
    expect(bySize.snapshot).toMatchObject({ files: 4, bytes: 8 });

    const byCount = await snap({ maxFiles: 4 });
    expect(byCount.skipped).toEqual([
      { path: 'd/f.txt', reason: 'over_file_limit', detail: 'maxFiles 4 reached' },
      { path: 'g', reason: 'over_file_limit', detail: 'maxFiles 4 reached' },
    ]);
    expect(byCount.snapshot.files).toBe(4);
    expect((await snap({ maxFiles: 4 })).snapshot.tree).toBe(byCount.snapshot.tree);
  });

  it('skips and reports special files; keeps symlinks as links, never following them', async () => {
    execFileSync('mkfifo', [join(root, 'pipe')]);
    await writeWorkspace(root, { 'real.txt': 'real' });
    await symlink('/etc/passwd', join(root, 'abs-link'));
    await symlink('real.txt', join(root, 'rel-link'));
    const result = await snap();
    expect(result.skipped).toEqual([{ path: 'pipe', reason: 'special', detail: 'fifo' }]);
    const entries = (await treeOf(result.snapshot.tree)).entries;
    expect(entries.filter((e) => e.type === 'symlink')).toEqual([
      { name: 'abs-link', type: 'symlink', mode: 0o777, target: '/etc/passwd' },
      { name: 'rel-link', type: 'symlink', mode: 0o777, target: 'real.txt' },
    ]);
    expect(result.stats).toMatchObject({ files: 1, symlinks: 2 });
  });

  it('keeps permission bits', async () => {
    await writeWorkspace(root, {
      'run.sh': { content: 'x', mode: 0o4755 },
      'ro.txt': { content: 'y', mode: 0o444 },
    });
    await chmod(root, 0o700);
    const entries = (await treeOf((await snap()).snapshot.tree)).entries;
    expect(entries.map((e) => [e.name, e.mode])).toEqual([
      ['ro.txt', 0o444],
      ['run.sh', 0o4755],
    ]);
  });

  it('reports a file that vanished before it was read, and refuses one swapped for a symlink', async () => {
    const options = {
      smallFileBytes: 1024,
      chunking: { minSize: 64, avgSize: 256, maxSize: 1024 },
    };
    expect(await storeFile(content, join(root, 'gone'), undefined, options, new Map())).toEqual({
      stored: false,
      detail: 'vanished',
    });
    await writeFile(join(root, 'real'), 'x');
    await symlink('real', join(root, 'swapped'));
    expect(await storeFile(content, join(root, 'swapped'), undefined, options, new Map())).toEqual({
      stored: false,
      detail: 'became a symlink',
    });
    await unlink(join(root, 'swapped'));
  });

  it('keeps separate cache entries per tenant: another tenant store gets its own puts', async () => {
    await writeWorkspace(root, { 'a.txt': 'tenant data' });
    const cache = new StatCache();
    await snap({ cache });
    const other = new ContentStore(backend.objects, uniqueTenant());
    const result = await snapshotWorkspace(other, root, { ...LIMITS, cache });
    expect(result.stats).toMatchObject({ hashed: 1, reused: 0 });
    expect(await other.hasBlob(result.snapshot.tree)).toBe(true);
  });

  it('copies the seed into the snapshot', async () => {
    const seed = 'a'.repeat(64);
    expect((await snap({ seed })).snapshot.seed).toBe(seed);
    expect((await snap()).snapshot).not.toHaveProperty('seed');
  });
});
