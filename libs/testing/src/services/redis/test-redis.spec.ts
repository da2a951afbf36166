import { Redis, type RedisOptions } from 'ioredis';
import { isPortOpen } from '../net';
import { startTestRedis } from './start-test-redis';
import type { TestRedis } from './types';

/** Behaviour every restartable source (container or local redis-server) must show. */
describe('startTestRedis (private server)', () => {
  const started: TestRedis[] = [];
  const clients: Redis[] = [];
  const start = async (opts: Parameters<typeof startTestRedis>[0] = {}): Promise<TestRedis> => {
    const redis = await startTestRedis({ faultInjection: true, label: 'spec', ...opts });
    started.push(redis);
    return redis;
  };
  const connect = (redis: TestRedis, opts: RedisOptions = {}): Redis => {
    const client = new Redis(redis.url, opts);
    client.on('error', () => undefined); // reconnect noise while the server is down is the point
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.disconnect());
    await Promise.all(started.splice(0).map((r) => r.close()));
  });

  it('answers PING and serves commands under its key prefix', async () => {
    const redis = await start();
    expect(redis.canRestart).toBe(true);
    expect(redis.keyPrefix).toBe(`${redis.namespace}:`);
    const client = connect(redis, { keyPrefix: redis.keyPrefix });
    expect(await client.ping()).toBe('PONG');
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    expect(redis.env()).toEqual({ REDIS_URL: redis.url });
  });

  it('gives every call its own server and namespace', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.url).not.toBe(b.url);
    expect(a.namespace).not.toBe(b.namespace);
    await connect(a).set('shared', 'from-a');
    expect(await connect(b).get('shared')).toBeNull();
  });

  it('refuses connections after stop(); the same client recovers after start()', async () => {
    const redis = await start();
    const client = connect(redis);
    const noQueue = connect(redis, { enableOfflineQueue: false, lazyConnect: true });
    await Promise.all([client.ping(), noQueue.connect()]);
    await redis.stop();
    expect(await isPortOpen(redis.host, redis.port)).toBe(false);
    await expect(noQueue.ping()).rejects.toThrow();
    // Commands queue while ioredis reconnects and complete once the server is back.
    const queued = client.set('after', 'restart');
    await redis.start();
    await expect(queued).resolves.toBe('OK');
    expect(await client.get('after')).toBe('restart');
  });

  it('restart() keeps the port; without persistence the data is gone', async () => {
    const redis = await start();
    const client = connect(redis);
    await client.set('k', 'v');
    await redis.restart();
    expect(await client.get('k')).toBeNull();
  });

  it("with persistence 'aof' data survives restart() and even kill()", async () => {
    const redis = await start({ persistence: 'aof' });
    const client = connect(redis);
    await client.set('k', 'v');
    await redis.restart();
    expect(await client.get('k')).toBe('v');
    await client.set('k2', 'v2');
    await redis.kill();
    await redis.start();
    expect(await client.mget('k', 'k2')).toEqual(['v', 'v2']);
  });

  it('close() shuts the server down for good and is idempotent', async () => {
    const redis = await start();
    expect(await isPortOpen(redis.host, redis.port)).toBe(true);
    await redis.close();
    await redis.close();
    expect(await isPortOpen(redis.host, redis.port)).toBe(false);
  });
});
