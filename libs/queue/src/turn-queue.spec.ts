import { useTestRedisTarget } from '@app/testing/services';
import { turnQueueSuite } from './spec/turn-queue-suite';

describe('TurnQueue and TurnConsumer (BullMQ on real Redis)', () => {
  turnQueueSuite(useTestRedisTarget({ topology: 'single', label: 'queue' }));
});
