import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { eventually } from '@app/testing/eventually';
import { startTestRedis, type TestRedis, type TestRedisOptions } from '@app/testing/services';

export interface RedisFixture {
  server(): TestRedis;
  /** A client under the suite's key prefix, disconnected after the suite. */
  client(options?: RedisOptions): Redis;
}

/**
 * One Redis per describe block, plus clients that are cleaned up with it. Reconnect errors are
 * swallowed: the restart tests cause them on purpose.
 */
export function useRedisFixture(options: TestRedisOptions): RedisFixture {
  let server: TestRedis | undefined;
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await startTestRedis(options);
  });
  afterAll(async () => {
    // A client still reconnecting after a restart has a dead socket, and disconnect() would leave
    // ioredis' 2 s "destroy it" timer behind, holding jest open; they reconnect within 100 ms.
    await eventually(
      'clients to reconnect',
      () => clients.every((c) => c.status === 'ready' || c.status === 'end'),
      2_000,
    ).catch(() => undefined);
    clients.splice(0).forEach((c) => c.disconnect());
    await server?.close();
  });
  const current = (): TestRedis => {
    if (!server) throw new Error('useRedisFixture: use it inside tests or hooks');
    return server;
  };
  return {
    server: current,
    client: (clientOptions = {}) => {
      const client = new Redis(current().url, {
        keyPrefix: current().keyPrefix,
        retryStrategy: (attempt) => Math.min(attempt * 20, 100),
        ...clientOptions,
      });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
  };
}

export function newSessionId(): string {
  return `s-${randomUUID()}`;
}
