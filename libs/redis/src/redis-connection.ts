import Redis, { type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** Shown in CLIENT LIST, so an operator can tell the connections apart. */
  name: string;
  /** Prepended to every key (REDIS_KEY_PREFIX). */
  keyPrefix?: string;
  /** Where connection errors go (ioredis reconnects by itself; unheard errors crash the process). */
  onError?: (error: Error) => void;
  /** BullMQ's blocking connections need null (retry forever); plain commands fail after a while. */
  maxRetriesPerRequest?: number | null;
  /**
   * ioredis auto-pipelining (default on): commands issued in one tick share a write. It keeps one
   * pipeline in flight, so a command issued meanwhile waits a Redis round trip before it is sent.
   */
  autoPipelining?: boolean;
  extra?: RedisOptions;
}

/**
 * The one place Redis connections are made: same reconnect policy everywhere, a name per
 * connection, auto-pipelining unless the caller batches itself.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions): Redis {
  const redis = new Redis(url, {
    connectionName: options.name,
    keyPrefix: options.keyPrefix || undefined,
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined ? 20 : options.maxRetriesPerRequest,
    enableAutoPipelining: options.autoPipelining ?? true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
    ...options.extra,
  });
  redis.on('error', options.onError ?? (() => undefined));
  return redis;
}

/** Closes a connection politely, or drops it when Redis is gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.quit(),
      new Promise((_, reject) => (timer = setTimeout(reject, 1_000))),
    ]);
  } catch {
    redis.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether an error means Redis could not be reached (down, restarting, cut off), as opposed to
 * a refused command: callers answer "retry shortly" to that, and report anything else as is.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|EPIPE|Connection is closed|Stream isn't writeable/.test(
      error.message,
    )
  );
}
