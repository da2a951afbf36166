import { useTestS3 } from '@app/testing/services';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectCheckpointStore } from './checkpoint/object-checkpoint-store';
import { objectsPrefix, refsPrefix } from './content/layout';
import { ObjectCorrupted, ObjectStoreRequestFailed, ObjectStoreUnavailable } from './errors';
import { decodeManifest } from './manifest/codec';
import type { ObjectStore, PutResult } from './object-store/object-store';
import { S3ObjectStore } from './object-store/s3-object-store';
import { collect, meta, SMALL_CHUNKS, uniqueTenant } from './spec/fixtures';
import { s3StoreFor } from './spec/s3';
import { SyntheticTranscript } from './spec/synthetic-transcript';

/** Passes everything through, but takes the server down just before the n-th put. */
class OutageBeforePut implements ObjectStore {
  private puts = 0;
  constructor(
    private readonly inner: ObjectStore,
    private readonly n: number,
    private readonly stopServer: () => Promise<void>,
  ) {}
  async put(key: string, body: Buffer, options?: { ifAbsent?: boolean }): Promise<PutResult> {
    if (++this.puts === this.n) await this.stopServer();
    return this.inner.put(key, body, options);
  }
  get = (key: string) => this.inner.get(key);
  head = (key: string) => this.inner.head(key);
  list = (prefix: string, options?: { startAfter?: string }) => this.inner.list(prefix, options);
  delete = (keys: readonly string[]) => this.inner.delete(keys);
  close = () => this.inner.close();
}

describe('S3 going away', () => {
  const s3 = useTestS3({ label: 'ckpt-outage', faultInjection: true });
  let objects: S3ObjectStore;
  let dir: string;
  beforeEach(async () => {
    objects = s3StoreFor(s3());
    dir = await mkdtemp(join(tmpdir(), 'ckpt-outage-'));
  });
  afterEach(async () => {
    objects.close();
    await s3().start();
    await rm(dir, { recursive: true, force: true });
  });

  it('during a checkpoint: retries, fails with ObjectStoreUnavailable, and leaves no manifest or ref', async () => {
    const tenant = uniqueTenant();
    const transcript = new SyntheticTranscript(31).growTo(200_000);
    // ~50 chunks, 16 puts in flight: when the 40th starts, at least 24 have been stored.
    const store = new ObjectCheckpointStore(new OutageBeforePut(objects, 40, () => s3().stop()), {
      chunking: SMALL_CHUNKS,
    });
    const started = Date.now();
    const attempt = store.create({ tenant, sessionId: 's', transcript, meta: meta() });
    await expect(attempt).rejects.toBeInstanceOf(ObjectStoreUnavailable);
    await expect(attempt).rejects.toThrow(/PutObject|HeadObject/);
    await expect(attempt).rejects.toThrow(
      /failed after retries \(.*3 attempt\(s\)\); check that the object store \(S3_ENDPOINT\) is reachable/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);

    await s3().start();
    expect(await collect(objects.list(refsPrefix(tenant)))).toEqual([]);
    const stored = await collect(objects.list(objectsPrefix(tenant)));
    expect(stored.length).toBeGreaterThanOrEqual(24);
    const content = new ObjectCheckpointStore(objects).content(tenant);
    // s3rver keeps half-uploaded bodies (real S3 never does): such an object fails its hash
    // check and so can never be read as a manifest either.
    for (const { key } of stored) {
      const hash = key.slice(key.lastIndexOf('/') + 1);
      const blob = await content.getBlob(hash).catch((err: unknown) => {
        if (err instanceof ObjectCorrupted) return undefined;
        throw err;
      });
      if (blob) expect(decodeManifest(hash, blob)).toBeUndefined();
    }

    // Once S3 is back the same checkpoint goes through, reusing what the failed one stored.
    const retryStore = new ObjectCheckpointStore(objects, { chunking: SMALL_CHUNKS });
    const retry = await retryStore.create({
      tenant,
      sessionId: 's',
      transcript,
      meta: meta(),
    });
    expect(retry.newBytes).toBeLessThan(transcript.length);
    expect(await collect(objects.list(refsPrefix(tenant)))).toHaveLength(1);
    const target = join(dir, 'retried.jsonl');
    await retryStore.restoreTranscript(
      tenant,
      await retryStore.read(tenant, retry.checkpointId),
      target,
    );
    expect((await readFile(target)).equals(transcript)).toBe(true);
  });

  it('during a restore or a listing: ObjectStoreUnavailable, never "missing" or "not found"', async () => {
    const tenant = uniqueTenant();
    const store = new ObjectCheckpointStore(objects);
    const { checkpointId } = await store.create({
      tenant,
      sessionId: 's',
      transcript: Buffer.from('{"a":1}\n'),
      meta: meta(),
    });
    await s3().stop();
    await expect(store.read(tenant, checkpointId)).rejects.toBeInstanceOf(ObjectStoreUnavailable);
    await expect(store.list(tenant, 's')).rejects.toBeInstanceOf(ObjectStoreUnavailable);
  });

  it('names a missing bucket as a request problem, not an outage', async () => {
    const wrong = new S3ObjectStore(s3().clientConfig(), 'no-such-bucket-here', { maxAttempts: 1 });
    try {
      for (const call of [() => wrong.put('a/b', Buffer.from('x')), () => wrong.get('a/b')]) {
        const attempt = call();
        await expect(attempt).rejects.toBeInstanceOf(ObjectStoreRequestFailed);
        await expect(attempt).rejects.toThrow(
          /NoSuchBucket.*check the bucket name, credentials and permissions/,
        );
      }
    } finally {
      wrong.close();
    }
  });
});
