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

/**
 * Worker settings for turns that last minutes: the lock is renewed every lockDuration/2 while
 * the turn runs, and a worker that died is detected within stalledInterval; its turn runs
 * once more elsewhere.
 */
export const TURN_WORKER_OPTIONS: Pick<
  WorkerOptions,
  'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'drainDelay'
> = {
  lockDuration: 60_000,
  stalledInterval: 30_000,
  maxStalledCount: 1,
  drainDelay: 5,
};

/** How long a turn waits before asking again for a session that another worker still holds. */
export const HANDOVER_RETRY_MS = 250;
