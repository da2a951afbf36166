import { compress, decompress } from '@mongodb-js/zstd';
import { mapBounded, mapOrdered } from '../concurrency';
import { ObjectCorrupted, ObjectMissing } from '../errors';
import { sha256Hex } from '../hashing';
import type { ObjectStore } from '../object-store/object-store';
import { assertTenant, isHash, objectKey } from './layout';

export interface ContentStoreOptions {
  /** zstd level for new objects (1 fastest … 19 smallest); 3 is zstd's own default. */
  zstdLevel?: number;
  /** Requests in flight for putBlobs/getBlobs. */
  concurrency?: number;
  /**
   * An existing object that a new checkpoint reuses and that is older than this is rewritten,
   * which gives it a fresh modification time: GC only sweeps objects older than its grace
   * period, so an old unreferenced object that is being referenced again is not swept from
   * under the checkpoint that reuses it. Keep it well below the GC grace period.
   */
  refreshAfterMs?: number;
  now?: () => number;
}

export interface StoredBlob {
  /** SHA-256 of the uncompressed content: the object's name. */
  hash: string;
  /** Uncompressed size. */
  size: number;
  /** Bytes this call added to the store (compressed), 0 when the object was already there. */
  storedBytes: number;
  isNew: boolean;
}

const DEFAULTS = { zstdLevel: 3, concurrency: 16, refreshAfterMs: 60 * 60_000 };

/**
 * Content-addressed blobs of one tenant: zstd-compressed, named by the SHA-256 of their
 * uncompressed bytes, verified on every read.
 */
export class ContentStore {
  readonly concurrency: number;
  private readonly zstdLevel: number;
  private readonly refreshAfterMs: number;
  private readonly now: () => number;

  constructor(
    readonly objects: ObjectStore,
    readonly tenant: string,
    options: ContentStoreOptions = {},
  ) {
    assertTenant(tenant);
    this.zstdLevel = options.zstdLevel ?? DEFAULTS.zstdLevel;
    this.concurrency = options.concurrency ?? DEFAULTS.concurrency;
    this.refreshAfterMs = options.refreshAfterMs ?? DEFAULTS.refreshAfterMs;
    this.now = options.now ?? Date.now;
  }

  keyOf(hash: string): string {
    return objectKey(this.tenant, hash);
  }

  /** Stores `bytes` unless an object with the same content exists (then nothing is written). */
  async putBlob(bytes: Buffer): Promise<StoredBlob> {
    const hash = sha256Hex(bytes);
    const key = this.keyOf(hash);
    // Compressing before asking saves a round trip for new content, which is the common case:
    // chunks a checkpoint already has are reused from its previous manifest without any call.
    const compressed = await compress(bytes, this.zstdLevel);
    const { created } = await this.objects.put(key, compressed, { ifAbsent: true });
    if (created) return { hash, size: bytes.length, storedBytes: compressed.length, isNew: true };
    const rewritten = await this.reuseOrRewrite(hash, key, compressed);
    return {
      hash,
      size: bytes.length,
      storedBytes: rewritten ? compressed.length : 0,
      isNew: false,
    };
  }

  putBlobs(blobs: readonly Buffer[]): Promise<StoredBlob[]> {
    return mapBounded(blobs, this.concurrency, (blob) => this.putBlob(blob));
  }

  /** The verified content; ObjectMissing or ObjectCorrupted otherwise. */
  async getBlob(hash: string): Promise<Buffer> {
    if (!isHash(hash))
      throw new ObjectCorrupted(hash, this.tenant, 'the reference is not a SHA-256 hex');
    const stored = await this.objects.get(this.keyOf(hash));
    if (!stored) throw new ObjectMissing(hash, this.tenant);
    const content = await decompress(stored).catch((err: unknown) => {
      throw new ObjectCorrupted(hash, this.tenant, `not a zstd frame: ${(err as Error).message}`);
    });
    const actual = sha256Hex(content);
    if (actual !== hash) {
      throw new ObjectCorrupted(hash, this.tenant, `content hashes to ${actual.slice(0, 12)}…`);
    }
    return content;
  }

  /** Verified contents in the given order, fetched `concurrency` at a time ahead of the reader. */
  getBlobs(hashes: readonly string[]): AsyncGenerator<Buffer> {
    return mapOrdered(hashes, this.concurrency, (hash) => this.getBlob(hash));
  }

  async hasBlob(hash: string): Promise<boolean> {
    return (await this.objects.head(this.keyOf(hash))) !== undefined;
  }

  /**
   * Decides whether an object that is already there can be reused as is; true when it had to
   * be rewritten: it vanished since the put, it is old (see refreshAfterMs), or it is damaged.
   * A damaged copy is what a store without atomic PUTs (s3rver) leaves when a connection drops
   * mid-upload; a size that differs from ours is the cheap hint (HEAD is needed anyway), the
   * hash check the proof (a different zstd level or version also changes the size).
   */
  private async reuseOrRewrite(hash: string, key: string, compressed: Buffer): Promise<boolean> {
    const info = await this.objects.head(key);
    const fresh = info !== undefined && this.now() - info.lastModified < this.refreshAfterMs;
    if (fresh && (info.size === compressed.length || (await this.isIntact(hash)))) return false;
    await this.objects.put(key, compressed);
    return true;
  }

  private async isIntact(hash: string): Promise<boolean> {
    return this.getBlob(hash).then(
      () => true,
      (err: unknown) => (err instanceof ObjectCorrupted ? false : Promise.reject(err)),
    );
  }
}
