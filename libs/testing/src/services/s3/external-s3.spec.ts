import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  TestServiceConfigInvalid,
  TestServiceStartFailed,
  TestServiceUnsupported,
} from '../errors';
import { freePort } from '../net';
import { startTestS3 } from './start-test-s3';
import type { TestS3 } from './types';

/**
 * The S3_ENDPOINT path, pointed at a private s3rver standing in for a shared endpoint. env is
 * passed explicitly, so process.env is never touched.
 */
describe('startTestS3 (S3_ENDPOINT)', () => {
  let shared: TestS3;
  let admin: S3Client;
  beforeAll(async () => {
    shared = await startTestS3({ source: 'local', label: 'shared' });
    admin = new S3Client(shared.clientConfig());
  });
  afterAll(async () => {
    admin.destroy();
    await shared.close();
  });
  const env = (): NodeJS.ProcessEnv => {
    const { S3_BUCKET: _ignored, ...vars } = shared.env();
    return { ...vars, TEST_SERVICES_DOCKER: '0' };
  };

  it('creates a fresh bucket per call and close() deletes it with everything in it', async () => {
    const [a, b] = await Promise.all([startTestS3({ env: env() }), startTestS3({ env: env() })]);
    try {
      expect(a.source).toBe('env');
      expect(a.canStop).toBe(false);
      expect(a.endpoint).toBe(shared.endpoint);
      expect(a.bucket).not.toBe(b.bucket);
      // More than one ListObjectsV2 page (1000 keys), so emptying has to follow the token.
      const keys = Array.from({ length: 1_001 }, (_, i) => `obj/${i}`);
      for (let i = 0; i < keys.length; i += 100) {
        await Promise.all(
          keys
            .slice(i, i + 100)
            .map((Key) => admin.send(new PutObjectCommand({ Bucket: a.bucket, Key, Body: 'x' }))),
        );
      }
      await a.close();
      await expect(admin.send(new HeadBucketCommand({ Bucket: a.bucket }))).rejects.toMatchObject({
        name: 'NotFound',
      });
      await expect(admin.send(new HeadBucketCommand({ Bucket: b.bucket }))).resolves.toBeDefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses stop/start with a pointer to faultInjection', async () => {
    const s3 = await startTestS3({ env: env() });
    try {
      await expect(s3.stop()).rejects.toThrow(TestServiceUnsupported);
      await expect(s3.start()).rejects.toThrow(/faultInjection: true/);
    } finally {
      await s3.close();
    }
  });

  it('faultInjection skips S3_ENDPOINT and starts a private endpoint', async () => {
    const s3 = await startTestS3({ env: env(), faultInjection: true });
    try {
      expect(s3.source).toBe('local');
      expect(s3.endpoint).not.toBe(shared.endpoint);
    } finally {
      await s3.close();
    }
  });

  it('names missing variables and unreachable endpoints', async () => {
    await expect(startTestS3({ env: { S3_ENDPOINT: shared.endpoint } })).rejects.toThrow(
      new TestServiceConfigInvalid(
        'S3_ENDPOINT is set but these are missing: S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY',
      ),
    );
    const dead = { ...env(), S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` };
    await expect(startTestS3({ env: dead })).rejects.toThrow(TestServiceStartFailed);
  });
});
