import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ObjectStoreRequestFailed } from '../errors';
import { assertKeyPrefix, assertObjectKey } from './object-key';
import type { ListedObject, ObjectInfo, ObjectStore, PutResult } from './object-store';
import { classifyS3Error, httpStatusOf, isNotFound } from './s3-errors';

/** S3 caps DeleteObjects at 1000 keys per request. */
const DELETE_BATCH = 1000;

export interface S3ObjectStoreOptions {
  /**
   * How `put(…, { ifAbsent })` avoids rewriting an existing object.
   * - `if-none-match` (default): one conditional PUT (`If-None-Match: *`); AWS S3 and MinIO
   *   answer 412 when the key exists. A store that answers 501 is switched to the fallback.
   * - `head-then-put`: HEAD, then an unconditional PUT when absent. For stores that silently
   *   ignore the header (s3rver): there two writers can both PUT, which is harmless here
   *   because a key names its content, but both may then report `created: true`.
   */
  conditionalWrites?: 'if-none-match' | 'head-then-put';
  /** Total tries per request, first one included (SDK standard retry: exponential backoff with jitter). */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Objects in one S3 (or MinIO) bucket, keys used as they are. */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private conditionalWrites: 'if-none-match' | 'head-then-put';

  constructor(
    config: S3ClientConfig,
    readonly bucket: string,
    options: S3ObjectStoreOptions = {},
  ) {
    this.client = new S3Client({
      retryMode: 'standard',
      maxAttempts: options.maxAttempts ?? 4,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 3_000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
      },
      ...config,
    });
    this.conditionalWrites = options.conditionalWrites ?? 'if-none-match';
  }

  async put(key: string, body: Buffer, options: { ifAbsent?: boolean } = {}): Promise<PutResult> {
    assertObjectKey(key);
    if (!options.ifAbsent) {
      await this.putObject(key, body).catch((err: unknown) =>
        Promise.reject(classifyS3Error('PutObject', key, err)),
      );
      return { created: true };
    }
    if (this.conditionalWrites === 'head-then-put') return this.headThenPut(key, body);
    try {
      await this.putObject(key, body, '*');
      return { created: true };
    } catch (err) {
      return this.afterConditionalPutFailed(key, body, err);
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    assertObjectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = await out.Body?.transformToByteArray();
      return bytes
        ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        : Buffer.alloc(0);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw classifyS3Error('GetObject', key, err);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    assertObjectKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, lastModified: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw classifyS3Error('HeadObject', key, err);
    }
  }

  async *list(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<ListedObject> {
    assertKeyPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            StartAfter: token ? undefined : options.startAfter,
            ContinuationToken: token,
          }),
        )
        .catch((err: unknown) => Promise.reject(classifyS3Error('ListObjectsV2', prefix, err)));
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        yield {
          key: object.Key,
          size: object.Size ?? 0,
          lastModified: object.LastModified?.getTime() ?? 0,
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(keys: readonly string[]): Promise<void> {
    keys.forEach(assertObjectKey);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await this.client
        .send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        )
        .catch((err: unknown) => Promise.reject(classifyS3Error('DeleteObjects', batch[0], err)));
      const failed = out.Errors?.[0];
      if (failed) {
        throw new ObjectStoreRequestFailed(
          'DeleteObjects',
          failed.Key ?? '?',
          failed.Code ?? 'error',
        );
      }
    }
  }

  /** Closes the client's sockets; the store is unusable afterwards. */
  close(): void {
    this.client.destroy();
  }

  private async putObject(key: string, body: Buffer, ifNoneMatch?: '*'): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        IfNoneMatch: ifNoneMatch,
      }),
    );
  }

  private async headThenPut(key: string, body: Buffer): Promise<PutResult> {
    if (await this.head(key)) return { created: false };
    await this.putObject(key, body).catch((err: unknown) =>
      Promise.reject(classifyS3Error('PutObject', key, err)),
    );
    return { created: true };
  }

  /**
   * 412: the object exists. 409: a concurrent conditional write to the same key is in flight
   * (AWS asks to retry); 501: the store does not do conditional writes. Both of the latter are
   * settled by looking (HEAD) before writing.
   */
  private async afterConditionalPutFailed(
    key: string,
    body: Buffer,
    err: unknown,
  ): Promise<PutResult> {
    const status = httpStatusOf(err);
    if (status === 412) return { created: false };
    if (status === 501) this.conditionalWrites = 'head-then-put';
    if (status === 409 || status === 501) return this.headThenPut(key, body);
    throw classifyS3Error('PutObject', key, err);
  }
}
