import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { startTestS3 } from './start-test-s3';
import type { TestS3 } from './types';

/**
 * What s3rver 3.7 does with AWS SDK v3, pinned down so the production S3 driver knows what it can
 * rely on when its tests run against s3rver.
 */
describe('s3rver with @aws-sdk/client-s3', () => {
  let s3: TestS3;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startTestS3({ source: 'local', label: 'compat' });
    client = new S3Client(s3.clientConfig());
  });
  afterAll(async () => {
    client.destroy();
    await s3.close();
  });
  const put = (Key: string, Body: string | Readable, extra: object = {}) =>
    client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body, ...extra }));
  const read = async (Key: string, c = client): Promise<string | undefined> =>
    (await c.send(new GetObjectCommand({ Bucket: s3.bucket, Key }))).Body?.transformToString();

  it('pages ListObjectsV2 with continuation tokens (needs the DES shim on Node ≥ 17)', async () => {
    await Promise.all(['p/0', 'p/1', 'p/2', 'p/3', 'p/4'].map((k) => put(k, 'x')));
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: s3.bucket,
          Prefix: 'p/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(keys).toEqual(['p/0', 'p/1', 'p/2', 'p/3', 'p/4']);
    const after = await client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'p/', StartAfter: 'p/2' }),
    );
    expect(after.Contents?.map((o) => o.Key)).toEqual(['p/3', 'p/4']);
  });

  it('answers HeadObject with size and ETag, and NotFound for a missing key', async () => {
    const { ETag } = await put('head/me', 'abc');
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'head/me' }));
    expect(head).toMatchObject({ ContentLength: 3, ETag });
    await expect(
      client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'head/none' })),
    ).rejects.toMatchObject({
      name: 'NotFound',
    });
    await expect(read('head/none')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('deletes with DeleteObjects, reporting missing keys as deleted like S3', async () => {
    await Promise.all([put('d/1', 'x'), put('d/2', 'x'), put('d/3', 'x')]);
    const result = await client.send(
      new DeleteObjectsCommand({
        Bucket: s3.bucket,
        Delete: { Objects: [{ Key: 'd/1' }, { Key: 'd/2' }, { Key: 'd/none' }] },
      }),
    );
    expect(result.Deleted?.map((d) => d.Key)).toEqual(['d/1', 'd/2', 'd/none']);
    const left = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'd/' }));
    expect(left.Contents?.map((o) => o.Key)).toEqual(['d/3']);
  });

  it('ignores If-None-Match: * — no conditional PUT, the object is overwritten', async () => {
    await put('cond', 'first');
    await expect(put('cond', 'second', { IfNoneMatch: '*' })).resolves.toBeDefined();
    expect(await read('cond')).toBe('second');
  });

  it('stores streamed bodies intact with the test client config (WHEN_REQUIRED checksums)', async () => {
    await put('stream/ok', Readable.from([Buffer.from('streamed-data')]), { ContentLength: 13 });
    expect(await read('stream/ok')).toBe('streamed-data');
  });

  it('with SDK default checksums, stores the aws-chunked framing of a streamed body as content', async () => {
    const {
      requestChecksumCalculation: _r,
      responseChecksumValidation: _v,
      ...defaults
    } = s3.clientConfig();
    const plain = new S3Client(defaults);
    try {
      const body = Readable.from([Buffer.from('streamed-data')]);
      await plain.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: 'stream/bad',
          Body: body,
          ContentLength: 13,
        }),
      );
      const stored = await read('stream/bad', plain);
      expect(stored).not.toBe('streamed-data');
      expect(stored).toContain('x-amz-checksum-crc32:');
    } finally {
      plain.destroy();
    }
  });
});
