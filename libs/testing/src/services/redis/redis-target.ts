import { createRedisConnection, type RedisClient } from '@app/redis';
import { startTestRedisCluster, type TestRedisCluster } from './redis-cluster';
import { startTestRedis } from './start-test-redis';
import type { TestRedis } from './types';

/** A single Redis server, or a Redis Cluster (three masters, a replica each). */
export type RedisTopology = 'single' | 'cluster';

export interface TestRedisTargetOptions {
  topology: RedisTopology;
  /** Shows up in the key namespace. */
  label?: string;
}

/**
 * A Redis of either topology for a suite that must pass on both: it makes the clients (a Cluster
 * client for a cluster, as the apps do with REDIS_CLUSTER), under the suite's key prefix.
 */
export interface TestRedisTarget {
  readonly topology: RedisTopology;
  /** REDIS_URL: the server, or a seed node of the cluster. */
  readonly url: string;
  /** `${namespace}:`, as TestRedis.keyPrefix. */
  readonly keyPrefix: string;
  /** The server (single topology). */
  readonly server?: TestRedis;
  /** The cluster (cluster topology). */
  readonly cluster?: TestRedisCluster;
  /**
   * A client like the apps' (libs/redis createRedisConnection), under `keyPrefix` (default the
   * target's); its connection errors are swallowed and close() disconnects it.
   */
  client(options?: { keyPrefix?: string; maxRetriesPerRequest?: number | null }): RedisClient;
  /** Where BullMQ goes (libs/queue QueueRedis), under `keyPrefix` (default the target's). */
  queueRedis(keyPrefix?: string): { url: string; keyPrefix: string; cluster: boolean };
  /** Connections subscribed to `channel` (as published: prefixed), on every node. */
  subscribers(channel: string): Promise<number>;
  /** Disconnects the clients, then stops the server or cluster. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a Redis of the given topology: a single one as startTestRedis does (REDIS_URL, a
 * container or a private redis-server), a cluster always as private redis-server processes.
 */
export async function startTestRedisTarget(
  options: TestRedisTargetOptions,
): Promise<TestRedisTarget> {
  const clients: RedisClient[] = [];
  const connectTo = (url: string, defaultPrefix: string, cluster: boolean) =>
    ((clientOptions = {}) => {
      const client = createRedisConnection(url, {
        name: `test-${options.topology}`,
        keyPrefix: clientOptions.keyPrefix ?? defaultPrefix,
        maxRetriesPerRequest: clientOptions.maxRetriesPerRequest,
        cluster,
        autoPipelining: false,
      });
      clients.push(client);
      return client;
    }) satisfies TestRedisTarget['client'];
  const disconnectAll = () => clients.splice(0).forEach((c) => c.disconnect());

  if (options.topology === 'cluster') {
    // A long node timeout: these suites kill no node, and a loaded machine must not cause a failover.
    const cluster = await startTestRedisCluster({ label: options.label, nodeTimeoutMs: 5_000 });
    let closed = false;
    return {
      topology: 'cluster',
      url: cluster.url,
      keyPrefix: cluster.keyPrefix,
      cluster,
      client: connectTo(cluster.url, cluster.keyPrefix, true),
      queueRedis: (keyPrefix = cluster.keyPrefix) => ({
        url: cluster.url,
        keyPrefix,
        cluster: true,
      }),
      subscribers: (channel) => cluster.subscribers(channel),
      close: async () => {
        if (closed) return;
        closed = true;
        disconnectAll();
        await cluster.close();
      },
    };
  }

  const server = await startTestRedis({ label: options.label });
  let admin: RedisClient | undefined;
  let closed = false;
  return {
    topology: 'single',
    url: server.url,
    keyPrefix: server.keyPrefix,
    server,
    client: connectTo(server.url, server.keyPrefix, false),
    queueRedis: (keyPrefix = server.keyPrefix) => ({ url: server.url, keyPrefix, cluster: false }),
    subscribers: async (channel) => {
      admin ??= connectTo(server.url, '', false)();
      const [, count] = (await admin.pubsub('NUMSUB', channel)) as [string, number];
      return Number(count);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      disconnectAll();
      await server.close();
    },
  };
}
