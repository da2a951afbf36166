import type { DefaultJobOptions, WorkerOptions } from 'bullmq';

/**
 * Job defaults for turns. A turn is retried only when the worker failed before the message
 * reached the CLI (the processor throws then); once delivered, failures are recorded on the
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
