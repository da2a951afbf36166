import Redis from 'ioredis';
import { isRedisUnavailable } from './redis-connection';

export interface DetectClusterOptions {
  /** Longest wait for REDIS_URL to answer (default 60 s); then start-up fails, saying why. */
  timeoutMs?: number;
  /** Each failed attempt while waiting (Redis not up yet): for a log line. */
  onRetry?: (error: Error) => void;
}

const RETRY_MAX_MS = 2_000;

/**
 * Whether REDIS_URL names a Redis Cluster node: `INFO cluster` says `cluster_enabled:1`. Asked
 * once at start-up on a connection of its own, so every connection the app makes afterwards is
 * of the right kind; retried while Redis does not answer yet, up to `timeoutMs`. A server that
 * refuses INFO (a managed service may rename it) cannot be asked: set REDIS_CLUSTER instead.
 */
export async function detectRedisCluster(
  url: string,
  options: DetectClusterOptions = {},
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let retryMs = 100;
  for (;;) {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectionName: 'cluster-detection',
    });
    let lastError: Error | undefined;
    client.on('error', (error: Error) => (lastError = error));
    try {
      await client.connect();
      const info = await client.info('cluster');
      return /^cluster_enabled:1\s*$/m.test(info);
    } catch (error) {
      const cause = lastError ?? (error as Error);
      if (client.status === 'ready' || !isRedisUnavailable(cause)) {
        throw new Error(
          `cannot tell whether REDIS_URL (${where(url)}) is a Redis Cluster (INFO cluster: ${cause.message}); set REDIS_CLUSTER=true or false`,
          { cause },
        );
      }
      if (Date.now() + retryMs > deadline) {
        throw new Error(
          `REDIS_URL (${where(url)}) did not answer within ${options.timeoutMs ?? 60_000} ms (${cause.message}), so it is not known whether it is a Redis Cluster; set REDIS_CLUSTER=true or false to start without asking`,
          { cause },
        );
      }
      options.onRetry?.(cause);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    } finally {
      client.disconnect();
    }
  }
}

/** What resolveRedisMode reads and settles: REDIS_URL and REDIS_CLUSTER (`auto`: ask Redis). */
export interface RedisModeConfig {
  redis: { url?: string; cluster: boolean | 'auto' };
}

/**
 * The config with `redis.cluster` settled to true or false: as set, or (`auto`) as Redis says
 * (detectRedisCluster). Every app entry point calls this before it makes a connection.
 */
export async function resolveRedisMode<C extends RedisModeConfig>(
  config: C,
  options: DetectClusterOptions = {},
): Promise<C & { redis: { cluster: boolean } }> {
  const { url, cluster } = config.redis;
  const settled =
    cluster === 'auto' ? (url ? await detectRedisCluster(url, options) : false) : cluster;
  return { ...config, redis: { ...config.redis, cluster: settled } };
}

/** host:port of a Redis URL, never its credentials. */
function where(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 6379}`;
  } catch {
    return 'unparseable URL';
  }
}
