import { useTestRedisTarget } from '@app/testing/services';
import { sessionEventLogSuite } from './spec/session-event-log-suite';

describe('SessionEventLog (real Redis)', () => {
  sessionEventLogSuite(useTestRedisTarget({ topology: 'single', label: 'stream-log' }));
});
