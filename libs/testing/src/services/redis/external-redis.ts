import { Redis } from 'ioredis';
import {
  TestServiceConfigInvalid,
  TestServiceStartFailed,
  TestServiceUnsupported,
} from '../errors';
import { envValue } from '../source';
import type { TestRedis, TestRedisOptions } from './types';

const UNLINK_BATCH = 500;

/** The shared server named by REDIS_URL: isolation is the namespace, cleanup deletes only its keys. */
export async function useExternalRedis(
  opts: TestRedisOptions,
  namespace: string,
): Promise<TestRedis> {
  const url = envValue(opts.env ?? process.env, 'REDIS_URL');
  if (!url) throw new TestServiceConfigInvalid('REDIS_URL is not set');
  const { host, port } = parseRedisUrl(url);
  await withClient(url, async (client) => {
    await client.ping();
  }).catch((err: unknown) => {
    const detail = err instanceof Error ? err.message : String(err);
    throw new TestServiceStartFailed(
      `Redis at REDIS_URL (${host}:${port})`,
      `PING failed: ${detail}; check REDIS_URL or unset it to get a private server`,
      undefined,
      { cause: err },
    );
  });
  const unsupported = (op: string) => async (): Promise<never> => {
    throw new TestServiceUnsupported(
      'TestRedis',
      op,
      'REDIS_URL points at a shared server; pass { faultInjection: true } to get a private one',
    );
  };
  let closed = false;
  return {
    source: 'env',
    url,
    host,
    port,
    namespace,
    keyPrefix: `${namespace}:`,
    canRestart: false,
    stop: unsupported('stop'),
    kill: unsupported('kill'),
    start: unsupported('start'),
    restart: unsupported('restart'),
    env: () => ({ REDIS_URL: url }),
    close: async () => {
      if (closed) return;
      closed = true;
      await withClient(url, (client) => deleteNamespace(client, namespace));
    },
  };
}

/** SCAN+UNLINK rather than KEYS/FLUSHDB: the server is shared with other suites and maybe people. */
export async function deleteNamespace(client: Redis, namespace: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(
      cursor,
      'MATCH',
      `${namespace}:*`,
      'COUNT',
      UNLINK_BATCH,
    );
    cursor = next;
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

function parseRedisUrl(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TestServiceConfigInvalid('REDIS_URL is not a URL (expected redis://host:port[/db])');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TestServiceConfigInvalid(
      `REDIS_URL must use redis:// or rediss://, not ${parsed.protocol}//`,
    );
  }
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

async function withClient<T>(url: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  // Fail fast instead of ioredis's endless reconnect: this is a one-shot check or cleanup.
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // connect() only rejects with "Connection is closed."; the 'error' event has the real cause.
  let lastError: Error | undefined;
  client.on('error', (err: Error) => (lastError = err));
  try {
    await client.connect().catch((err: unknown) => {
      throw lastError ?? err;
    });
    return await fn(client);
  } finally {
    // disconnect() on a socket that is already closed leaves a 2 s timer that delays jest's exit.
    if (client.status !== 'end') client.disconnect();
  }
}
