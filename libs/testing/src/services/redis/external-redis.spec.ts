import { Redis } from 'ioredis';
import {
  TestServiceConfigInvalid,
  TestServiceStartFailed,
  TestServiceUnsupported,
} from '../errors';
import { freePort } from '../net';
import { startTestRedis } from './start-test-redis';
import type { TestRedis } from './types';

/**
 * The REDIS_URL path, pointed at a private redis-server standing in for a shared one (never at
 * the system Redis on 6379). env is passed explicitly, so process.env is never touched.
 */
describe('startTestRedis (REDIS_URL)', () => {
  let shared: TestRedis;
  let admin: Redis;
  beforeAll(async () => {
    shared = await startTestRedis({ source: 'local', label: 'shared' });
    admin = new Redis(shared.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await shared.close();
  });
  const env = (): NodeJS.ProcessEnv => ({ REDIS_URL: shared.url, TEST_SERVICES_DOCKER: '0' });

  it('uses the server from REDIS_URL with a unique namespace per call', async () => {
    const [a, b] = await Promise.all([
      startTestRedis({ env: env() }),
      startTestRedis({ env: env() }),
    ]);
    try {
      expect(a.source).toBe('env');
      expect(a.url).toBe(shared.url);
      expect(a.canRestart).toBe(false);
      expect(a.namespace).not.toBe(b.namespace);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("close() deletes only its namespace's keys", async () => {
    const redis = await startTestRedis({ env: env(), label: 'cleanup' });
    const other = await startTestRedis({ env: env(), label: 'cleanup' });
    const client = new Redis(shared.url, { keyPrefix: redis.keyPrefix });
    try {
      // More keys than one SCAN batch, so cleanup has to follow the cursor.
      const keys = Array.from({ length: 1_200 }, (_, i) => [`k${i}`, 'v']).flat();
      await client.mset(...keys);
      await client.hset('queue:meta', 'f', 'v');
      await admin.set(`${other.namespace}:keep`, 'v');
      await admin.set('unrelated', 'v');
      await redis.close();
      expect(await admin.keys(`${redis.namespace}:*`)).toEqual([]);
      expect(await admin.get(`${other.namespace}:keep`)).toBe('v');
      expect(await admin.get('unrelated')).toBe('v');
    } finally {
      client.disconnect();
      await other.close();
    }
  });

  it('refuses fault injection with a pointer to faultInjection', async () => {
    const redis = await startTestRedis({ env: env() });
    try {
      await expect(redis.restart()).rejects.toThrow(TestServiceUnsupported);
      await expect(redis.stop()).rejects.toThrow(/faultInjection: true/);
    } finally {
      await redis.close();
    }
  });

  it('faultInjection skips REDIS_URL and starts a private server', async () => {
    const redis = await startTestRedis({ env: env(), faultInjection: true });
    try {
      expect(redis.source).toBe('local');
      expect(redis.url).not.toBe(shared.url);
    } finally {
      await redis.close();
    }
  });

  it('fails clearly when REDIS_URL does not answer or is malformed', async () => {
    const deadPort = await freePort();
    await expect(
      startTestRedis({ env: { REDIS_URL: `redis://127.0.0.1:${deadPort}` } }),
    ).rejects.toThrow(TestServiceStartFailed);
    await expect(startTestRedis({ env: { REDIS_URL: 'http://x' } })).rejects.toThrow(
      TestServiceConfigInvalid,
    );
    await expect(startTestRedis({ source: 'env', env: {} })).rejects.toThrow(
      /REDIS_URL is not set/,
    );
  });
});
