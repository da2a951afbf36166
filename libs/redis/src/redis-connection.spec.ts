import { startTestRedis, type TestRedis } from '@app/testing';
import type { Redis } from 'ioredis';
import { closeRedis, createRedisConnection } from './redis-connection';

describe('createRedisConnection (real Redis)', () => {
  let server: TestRedis;
  const clients: Redis[] = [];
  const connect = (autoPipelining?: boolean) => {
    const client = createRedisConnection(server.url, {
      name: 'spec',
      keyPrefix: server.keyPrefix,
      autoPipelining,
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startTestRedis({ label: 'redis-connection' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(closeRedis));
  });
  afterAll(() => server.close());

  it('auto-pipelines by default: a command waits in the tick queue before it is written', async () => {
    const client = connect();
    await client.ping();
    const reply = client.set('k', 'v');
    expect(client.autoPipelineQueueSize).toBe(1);
    await expect(reply).resolves.toBe('OK');
  });

  it('writes each command at once with autoPipelining: false, replies unchanged', async () => {
    const client = connect(false);
    await client.ping();
    const replies = [client.set('k', 'v'), client.get('k')];
    expect(client.autoPipelineQueueSize).toBe(0);
    await expect(Promise.all(replies)).resolves.toEqual(['OK', 'v']);
  });
});
