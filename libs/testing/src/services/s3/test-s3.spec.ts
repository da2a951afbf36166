import {
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startTestS3 } from './start-test-s3';
import type { TestS3 } from './types';

/** Behaviour every stoppable source (MinIO container or in-process s3rver) must show. */
describe('startTestS3 (private endpoint)', () => {
  const started: TestS3[] = [];
  const clients: S3Client[] = [];
  const start = async (): Promise<TestS3> => {
    const s3 = await startTestS3({ faultInjection: true, label: 'spec' });
    started.push(s3);
    return s3;
  };
  // One attempt: an outage should surface as the error itself, not after SDK retries.
  // Match the message, not err.code: under jest, Node's errors come from another realm, fail the
  // SDK's `instanceof Error`, and get rewrapped as "AWS SDK error wrapper for Error: connect ECONNREFUSED".
  const connect = (s3: TestS3): S3Client => {
    const client = new S3Client({ ...s3.clientConfig(), maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const read = async (
    client: S3Client,
    Bucket: string,
    Key: string,
  ): Promise<string | undefined> => {
    const { Body } = await client.send(new GetObjectCommand({ Bucket, Key }));
    return Body?.transformToString();
  };

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.destroy());
    await Promise.all(started.splice(0).map((s) => s.close()));
  });

  it('serves put/get/list on a fresh bucket', async () => {
    const s3 = await start();
    const client = connect(s3);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'a/1.txt', Body: 'one' }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'a/2.txt', Body: 'two' }));
    expect(await read(client, s3.bucket, 'a/1.txt')).toBe('one');
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'a/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['a/1.txt', 'a/2.txt']);
    expect(s3.env()).toMatchObject({
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_FORCE_PATH_STYLE: 'true',
    });
  });

  it('gives every call its own bucket', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.bucket).not.toBe(b.bucket);
    expect(a.bucket).toMatch(/^test-spec-[0-9a-f]{10}$/);
    await connect(a).send(new PutObjectCommand({ Bucket: a.bucket, Key: 'k', Body: 'a' }));
    await expect(
      connect(b).send(new GetObjectCommand({ Bucket: b.bucket, Key: 'k' })),
    ).rejects.toThrow();
  });

  it('refuses connections after stop() and serves the same data after start()', async () => {
    const s3 = await start();
    const client = connect(s3);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'kept', Body: 'still here' }));
    await s3.stop();
    // The client's pooled keep-alive socket was cut: that request may see a hang-up instead.
    await expect(client.send(new HeadBucketCommand({ Bucket: s3.bucket }))).rejects.toThrow(
      /ECONNREFUSED|ECONNRESET|socket hang up/,
    );
    await expect(connect(s3).send(new HeadBucketCommand({ Bucket: s3.bucket }))).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await s3.start();
    expect(await read(client, s3.bucket, 'kept')).toBe('still here');
  });

  it('close() is idempotent and leaves the endpoint down', async () => {
    const s3 = await start();
    await s3.close();
    await s3.close();
    await expect(connect(s3).send(new HeadBucketCommand({ Bucket: s3.bucket }))).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
