import { Queue } from 'bullmq';
import { MAINTENANCE_QUEUE, TURN_QUEUE } from '@app/contracts';
import { closeQueueConnection, queueConnection, type QueueRedis } from './queue-options';

/** Every queue of the system, opened to be looked at (the operators' queue dashboard). */
export interface InspectedQueues {
  readonly queues: readonly Queue[];
  close(): Promise<void>;
}

/**
 * Opens the turn and maintenance queues on the one connection config of libs/queue, so a
 * dashboard sees the same keys (prefix, hash tag, cluster client) the producers and workers use.
 * Opening adds no job and no worker: what may be changed is the dashboard's decision.
 */
export function openQueuesForInspection(
  redis: QueueRedis,
  onError: (error: Error) => void,
): InspectedQueues {
  const { connection, prefix } = queueConnection(redis, 'queue-dashboard');
  const queues = [TURN_QUEUE, MAINTENANCE_QUEUE].map((name) => {
    const queue = new Queue(name, { connection, prefix });
    queue.on('error', onError);
    return queue;
  });
  return {
    queues,
    close: async () => {
      await Promise.all(queues.map((queue) => queue.close()));
      await closeQueueConnection(connection);
    },
  };
}
