import { useTestRedisTarget } from '@app/testing/services';
import { usageLedgerContract } from './spec/usage-ledger-suite';

describe('UsageLedger (real Redis)', () => {
  const target = useTestRedisTarget({ topology: 'single', label: 'usage' });
  usageLedgerContract(() => target().client());
});

describe('UsageLedger on a Redis Cluster (one script writes a tenant’s stream and day counter)', () => {
  const target = useTestRedisTarget({ topology: 'cluster', label: 'usage' });
  usageLedgerContract(() => target().client());
});
