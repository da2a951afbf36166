import { useTestRedisTarget } from '@app/testing/services';
import { sessionLeasesSuite } from './spec/session-leases-suite';

describe('SessionLeases (real Redis)', () => {
  sessionLeasesSuite(useTestRedisTarget({ topology: 'single', label: 'leases' }));
});
