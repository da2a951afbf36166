export {
  closeQueueConnection,
  DEFAULT_LIVENESS_MS,
  HANDOVER_RETRY_MS,
  queueConnection,
  TURN_JOB_OPTIONS,
  turnWorkerOptions,
  type QueueRedis,
} from './queue-options';
export { openQueuesForInspection, type InspectedQueues } from './queue-inspection';
export { ScheduledJobs } from './scheduled-jobs';
export {
  TurnConsumer,
  type TurnConsumerOptions,
  type TurnHandler,
  type TurnOutcome,
} from './turn-consumer';
export {
  TurnQueue,
  type EnqueueOptions,
  type TurnJobState,
  type TurnQueueOptions,
} from './turn-queue';
export type { TurnDispatch } from './fair-share';
