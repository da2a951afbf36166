import { useTestRedisTarget } from '@app/testing/services';
import { SessionStore } from './session-store';
import { TenantQuotaStore } from './tenant-quota-store';
import { tenantQuotaStoreSuite } from './spec/tenant-quota-store-suite';

describe('TenantQuotaStore (real Redis)', () => {
  const target = useTestRedisTarget({ topology: 'single', label: 'quotas' });
  tenantQuotaStoreSuite(() => {
    const client = target().client();
    return { quotas: new TenantQuotaStore(client), sessions: new SessionStore(client) };
  });
});
