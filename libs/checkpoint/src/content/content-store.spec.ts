import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectCorrupted, ObjectMissing } from '../errors';
import { sha256Hex } from '../hashing';
import { FsObjectStore } from '../object-store/fs-object-store';
import { ContentStore } from './content-store';

describe('ContentStore', () => {
  let root: string;
  let objects: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'content-store-'));
    objects = new FsObjectStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('names blobs by the SHA-256 of their content and stores each once', async () => {
    const content = new ContentStore(objects, 'acme');
    const bytes = Buffer.from('{"type":"user"}\n'.repeat(1000));
    const first = await content.putBlob(bytes);
    expect(first).toMatchObject({ hash: sha256Hex(bytes), size: bytes.length, isNew: true });
    expect(first.storedBytes).toBeLessThan(bytes.length / 10);
    expect(await content.putBlob(bytes)).toMatchObject({ isNew: false, storedBytes: 0 });
    expect(content.keyOf(first.hash)).toBe(
      `tenants/acme/objects/${first.hash.slice(0, 2)}/${first.hash}`,
    );
    expect((await content.getBlob(first.hash)).equals(bytes)).toBe(true);
  });

  it('rewrites an old object it reuses, so a concurrent GC sees it as young', async () => {
    const content = new ContentStore(objects, 'acme', { refreshAfterMs: 60_000 });
    const { hash } = await content.putBlob(Buffer.from('reused'));
    const file = join(root, content.keyOf(hash));
    const old = new Date(Date.now() - 2 * 60_000);
    await utimes(file, old, old);
    expect(await content.putBlob(Buffer.from('reused'))).toMatchObject({ isNew: false });
    expect(Date.now() - (await stat(file)).mtimeMs).toBeLessThan(10_000);
  });

  it('repairs a damaged copy it would otherwise reuse (a half-written upload)', async () => {
    const content = new ContentStore(objects, 'acme');
    const bytes = Buffer.from('x'.repeat(10_000) + 'tail');
    const { hash, storedBytes } = await content.putBlob(bytes);
    const key = content.keyOf(hash);
    await objects.put(key, ((await objects.get(key)) as Buffer).subarray(0, 5));
    await expect(content.getBlob(hash)).rejects.toBeInstanceOf(ObjectCorrupted);
    expect(await content.putBlob(bytes)).toMatchObject({ isNew: false, storedBytes });
    expect((await content.getBlob(hash)).equals(bytes)).toBe(true);
  });

  it('tells a missing object from a corrupted one', async () => {
    const content = new ContentStore(objects, 'acme');
    const absent = sha256Hex('absent');
    await expect(content.getBlob(absent)).rejects.toBeInstanceOf(ObjectMissing);
    await objects.put(content.keyOf(absent), Buffer.from('not zstd at all'));
    await expect(content.getBlob(absent)).rejects.toThrow(
      /failed its hash check \(not a zstd frame/,
    );
    await expect(content.getBlob('../../etc')).rejects.toBeInstanceOf(ObjectCorrupted);
  });
});
