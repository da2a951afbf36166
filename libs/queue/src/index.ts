export {
  HANDOVER_RETRY_MS,
  queueConnection,
  TURN_JOB_OPTIONS,
  TURN_WORKER_OPTIONS,
  type QueueRedis,
} from './queue-options';
export { ScheduledJobs } from './scheduled-jobs';
export {
  TurnConsumer,
  type TurnConsumerOptions,
  type TurnHandler,
  type TurnOutcome,
} from './turn-consumer';
export { TurnQueue } from './turn-queue';
