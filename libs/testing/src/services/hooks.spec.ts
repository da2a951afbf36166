import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { useTestRedis, useTestS3 } from './hooks';

describe('useTestRedis / useTestS3', () => {
  const redis = useTestRedis({ label: 'hooks' });
  const s3 = useTestS3({ label: 'hooks' });

  it('hands out started services inside tests', async () => {
    const client = new Redis(redis().url, { keyPrefix: redis().keyPrefix });
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    const s3Client = new S3Client(s3().clientConfig());
    try {
      await expect(
        s3Client.send(new PutObjectCommand({ Bucket: s3().bucket, Key: 'k', Body: 'v' })),
      ).resolves.toBeDefined();
    } finally {
      s3Client.destroy();
    }
  });
});

describe('useTestRedis getter outside a test', () => {
  const redis = useTestRedis();
  it('is only valid once beforeAll has run', () => {
    expect(redis().url).toMatch(/^rediss?:\/\//);
  });
  // Evaluated at collection time, before any hook ran.
  let early: unknown;
  try {
    redis();
  } catch (err) {
    early = err;
  }
  it('throws an explanatory error before that', () => {
    expect(String(early)).toMatch(/not started; call the getter inside a test/);
  });
});
