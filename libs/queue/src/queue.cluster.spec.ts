import { useTestRedisTarget } from '@app/testing/services';
import { turnQueueSuite } from './spec/turn-queue-suite';

/** The same suite as on a single Redis, on a Redis Cluster (three masters, a replica each). */
describe('TurnQueue and TurnConsumer (BullMQ on a Redis Cluster)', () => {
  turnQueueSuite(useTestRedisTarget({ topology: 'cluster', label: 'queue' }));
});
