import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect } from '../spec/fixtures';
import { FsObjectStore } from './fs-object-store';

describe('FsObjectStore', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fs-store-'));
    store = new FsObjectStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('lists in byte order across levels, exactly like S3 (a directory sorts as "name/")', async () => {
    const keys = ['l/a-b', 'l/a/c/d', 'l/a/b', 'l/a.x', 'l/b', 'l/a0', 'lx'];
    for (const key of keys) await store.put(key, Buffer.from(key));
    const listed = (await collect(store.list(''))).map((o) => o.key);
    expect(listed).toEqual(
      [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    const after = (await collect(store.list('l/', { startAfter: 'l/a/b' }))).map((o) => o.key);
    expect(after).toEqual(['l/a/c/d', 'l/a0', 'l/b']);
  });

  it('leaves no temp files behind and never lists a crashed write', async () => {
    await store.put('x/one', Buffer.from('1'));
    await store.put('x/one', Buffer.from('1'), { ifAbsent: true });
    await writeFile(join(root, 'x', '.tmp-deadbeef'), 'half a write');
    expect((await collect(store.list('x/'))).map((o) => o.key)).toEqual(['x/one']);
    expect((await readdir(join(root, 'x'))).sort()).toEqual(['.tmp-deadbeef', 'one']);
  });

  it('prunes directories that deletes leave empty', async () => {
    await store.put('p/q/r', Buffer.from('1'));
    await store.delete(['p/q/r']);
    expect(await readdir(root)).toEqual([]);
  });

  it('creates an ifAbsent object exactly once under concurrent writers', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.put('c/same', Buffer.from(`v${i}`), { ifAbsent: true }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await readdir(join(root, 'c'))).toEqual(['same']);
  });
});
