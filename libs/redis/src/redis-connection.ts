import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * A connection to one Redis or to a Redis Cluster. The two clients share ioredis' command API;
 * what differs (making a second connection, how commands spread over nodes) goes through the
 * helpers here. Every multi-key command and script of the system touches one hash tag, so it
 * runs on either.
 */
export type RedisClient = Redis | Cluster;

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
  /**
   * The URL names a Redis Cluster seed: a Cluster client, which learns the other nodes from it
   * (REDIS_CLUSTER, detected at start-up by default: see detectRedisCluster).
   */
  cluster?: boolean;
  /** Connect on the first command instead of at once. */
  lazyConnect?: boolean;
  /** More ioredis options (a single Redis only). */
  extra?: RedisOptions;
}

const retryStrategy = (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000);

/**
 * The one place Redis connections are made: same reconnect policy everywhere, a name per
 * connection, auto-pipelining unless the caller batches itself.
 */
export function createRedisConnection(
  url: string,
  options: RedisConnectionOptions & { cluster?: false },
): Redis;
export function createRedisConnection(
  url: string,
  options: RedisConnectionOptions & { cluster: true },
): Cluster;
export function createRedisConnection(url: string, options: RedisConnectionOptions): RedisClient;
export function createRedisConnection(url: string, options: RedisConnectionOptions): RedisClient {
  const maxRetriesPerRequest =
    options.maxRetriesPerRequest === undefined ? 20 : options.maxRetriesPerRequest;
  const redis = options.cluster
    ? new Cluster([seedOf(url)], clusterOptions(url, { ...options, maxRetriesPerRequest }))
    : new Redis(url, {
        connectionName: options.name,
        keyPrefix: options.keyPrefix || undefined,
        maxRetriesPerRequest,
        enableAutoPipelining: options.autoPipelining ?? true,
        retryStrategy,
        lazyConnect: options.lazyConnect,
        ...options.extra,
      });
  redis.on('error', options.onError ?? (() => undefined));
  return redis;
}

/**
 * ioredis Cluster options for REDIS_URL as a seed. Credentials and TLS apply to every node. A
 * command whose node went away is retried (after a slots refresh) every `retryDelayOnFailover`
 * up to `maxRedirections` times: the 16 of ioredis (about 2 s, a failover's duration with a
 * short cluster-node-timeout) where the caller wants a failure it can report, and without limit
 * where it waits out an outage (`maxRetriesPerRequest: null`, as on a single Redis).
 */
function clusterOptions(
  url: string,
  options: RedisConnectionOptions & { maxRetriesPerRequest: number | null },
): ClusterOptions {
  const parsed = new URL(url);
  if (!['', '/', '/0'].includes(parsed.pathname)) {
    throw new Error('REDIS_URL: a Redis Cluster has database 0 only; drop the /<db> part');
  }
  return {
    keyPrefix: options.keyPrefix || undefined,
    enableAutoPipelining: options.autoPipelining ?? true,
    lazyConnect: options.lazyConnect,
    clusterRetryStrategy: retryStrategy,
    maxRedirections: options.maxRetriesPerRequest === null ? Infinity : 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    redisOptions: {
      connectionName: options.name,
      username: decodeURIComponent(parsed.username) || undefined,
      password: decodeURIComponent(parsed.password) || undefined,
      tls: parsed.protocol === 'rediss:' ? {} : undefined,
      maxRetriesPerRequest: options.maxRetriesPerRequest,
    },
  };
}

function seedOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 6379) };
}

/** True for a Redis Cluster client. */
export function isCluster(redis: unknown): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * A second connection like `redis` (same server or cluster, credentials, key prefix), named
 * `name` in CLIENT LIST: what a pub/sub subscriber needs, since a subscribed connection can run
 * nothing else. On a cluster, SUBSCRIBE goes to one node of its choice, which hears what is
 * published on any node; when that node goes away, ioredis subscribes again on another.
 */
export function duplicateConnection(redis: RedisClient, name: string): RedisClient {
  if (!isCluster(redis)) return redis.duplicate({ connectionName: name });
  return redis.duplicate([], {
    redisOptions: { ...redis.options.redisOptions, connectionName: name },
  });
}

/** The name the connection shows in CLIENT LIST (on a cluster: its nodes' connections). */
export function connectionNameOf(redis: RedisClient): string | undefined {
  return isCluster(redis)
    ? redis.options.redisOptions?.connectionName
    : redis.options.connectionName;
}

/** Closes a connection politely, or drops it when Redis is gone. */
export async function closeRedis(redis: RedisClient): Promise<void> {
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
    ) ||
    // A Redis Cluster in a failover: the slot's master is gone and no replica has taken over yet.
    /Too many Cluster redirections|CLUSTERDOWN|TRYAGAIN|None of startup nodes is available|Failed to refresh slots cache|Cluster isn't ready/.test(
      error.message,
    )
  );
}
