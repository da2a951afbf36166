import type { ConnectionOptions, DefaultJobOptions, Telemetry, WorkerOptions } from 'bullmq';
import { queuePrefix } from '@app/contracts';
import { closeRedis, createRedisConnection, isCluster } from '@app/redis';
import { queueTelemetry } from '@app/tracing';

/** Where the queues live: REDIS_URL and REDIS_KEY_PREFIX (inside BullMQ's hash-tagged prefix). */
export interface QueueRedis {
  url: string;
  keyPrefix?: string;
  /** REDIS_URL is a Redis Cluster seed (REDIS_CLUSTER, settled at start-up). */
  cluster?: boolean;
}

/**
 * The one BullMQ connection config, for producers and consumers of every queue alike. BullMQ's
 * blocking connections must retry forever (`maxRetriesPerRequest: null`); `name` tells them
 * apart in CLIENT LIST. The prefix is a hash tag, so every key of a queue is in one slot and
 * BullMQ's scripts run on a Redis Cluster too.
 *
 * BullMQ makes a single-Redis client from options itself, but a cluster client only from an
 * instance: a Cluster that connects on first use (a Worker only duplicates it, for its own
 * connections). BullMQ does not close an instance it was given: closeQueueConnection() does.
 *
 * When the process traces, BullMQ's telemetry comes along: a job carries its producer's trace
 * to the worker that processes it (see queueTelemetry).
 */
export function queueConnection(
  redis: QueueRedis,
  name: string,
): { connection: ConnectionOptions; prefix: string; telemetry?: Telemetry } {
  const connection: ConnectionOptions = redis.cluster
    ? createRedisConnection(redis.url, {
        name,
        cluster: true,
        lazyConnect: true,
        maxRetriesPerRequest: null,
        autoPipelining: false,
      })
    : { url: redis.url, maxRetriesPerRequest: null, connectionName: name };
  const telemetry = queueTelemetry();
  return { connection, prefix: queuePrefix(redis.keyPrefix), ...(telemetry ? { telemetry } : {}) };
}

/** Closes the cluster client queueConnection() made (after the Queue or Worker closed). */
export async function closeQueueConnection(connection: ConnectionOptions): Promise<void> {
  if (isCluster(connection)) await closeRedis(connection);
}

/**
 * Job defaults for turns. A turn is retried only when the worker failed before the message
 * reached the CLI (the handler throws then); once delivered, failures are recorded on the
 * session instead, so a message is not sent twice.
 */
export const TURN_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 24 * 3_600, count: 5_000 },
};

/** Default of WORKER_LIVENESS_MS: how long a worker may stay silent before it counts as dead. */
export const DEFAULT_LIVENESS_MS = 10_000;

/**
 * Worker settings for turns that last minutes, derived from one figure so that they agree with
 * the session leases (SessionLeases, same TTL): the job lock lasts `livenessMs` and is renewed
 * every half of it while the turn runs; every worker looks for stalled jobs every half of it. So a
 * turn whose worker died runs again elsewhere within about 1.5 × livenessMs. A stall is a crash:
 * the turn runner counts recoveries itself and fails a turn that keeps killing workers, long
 * before BullMQ's own limit.
 */
export function turnWorkerOptions(
  livenessMs = DEFAULT_LIVENESS_MS,
): Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'drainDelay'> {
  return {
    lockDuration: livenessMs,
    stalledInterval: Math.max(500, Math.floor(livenessMs / 2)),
    maxStalledCount: 10,
    drainDelay: 5,
  };
}

/** How long a turn waits before asking again for a session that another worker still holds. */
export const HANDOVER_RETRY_MS = 250;
