import { useTestRedisTarget } from '@app/testing/services';
import { sessionControlSuite } from './spec/session-control-suite';

describe('SessionControl (real Redis)', () => {
  sessionControlSuite(useTestRedisTarget({ topology: 'single', label: 'control' }));
});
