import { useTestRedisTarget } from '@app/testing/services';
import { tenantQuotasSuite } from './spec/tenant-quotas-suite';

describe('TenantQuotas through the session service (real Redis, BullMQ)', () => {
  tenantQuotasSuite(useTestRedisTarget({ topology: 'single', label: 'quotas' }));
});

describe('TenantQuotas through the session service on a Redis Cluster', () => {
  tenantQuotasSuite(useTestRedisTarget({ topology: 'cluster', label: 'quotas' }));
});
