import type { ConnectionOptions, DefaultJobOptions, WorkerOptions } from 'bullmq';
import { queuePrefix } from '@app/contracts';

/** Where the queues live: REDIS_URL and REDIS_KEY_PREFIX (inside BullMQ's hash-tagged prefix). */
export interface QueueRedis {
  url: string;
  keyPrefix?: string;
}

/**
 * The one BullMQ connection config, for producers and consumers of every queue alike. BullMQ's
 * blocking connections must retry forever (`maxRetriesPerRequest: null`); `name` tells them
 * apart in CLIENT LIST.
 */
export function queueConnection(
  redis: QueueRedis,
  name: string,
): { connection: ConnectionOptions; prefix: string } {
  return {
    connection: { url: redis.url, maxRetriesPerRequest: null, connectionName: name },
    prefix: queuePrefix(redis.keyPrefix),
  };
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
