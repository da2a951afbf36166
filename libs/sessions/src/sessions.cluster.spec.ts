import { useTestRedisTarget } from '@app/testing/services';
import { ApprovalStore } from './approval-store';
import { SessionStore } from './session-store';
import { TenantQuotaStore } from './tenant-quota-store';
import { approvalStoreContract } from './spec/approval-store-suite';
import { sessionControlSuite } from './spec/session-control-suite';
import { sessionLeasesSuite } from './spec/session-leases-suite';
import { sessionStoreContract } from './spec/session-store-suite';
import { tenantQuotaStoreSuite } from './spec/tenant-quota-store-suite';

/** The same suites as on a single Redis, on a Redis Cluster (three masters, a replica each). */
describe('libs/sessions on a Redis Cluster', () => {
  const target = useTestRedisTarget({ topology: 'cluster', label: 'sessions' });
  describe('SessionStore', () => {
    sessionStoreContract(() => new SessionStore(target().client()));
  });
  describe('SessionLeases', () => {
    sessionLeasesSuite(target);
  });
  describe('SessionControl', () => {
    sessionControlSuite(target);
  });
  describe('ApprovalStore', () => {
    approvalStoreContract(() => new ApprovalStore(target().client()));
  });
  describe('TenantQuotaStore', () => {
    tenantQuotaStoreSuite(() => {
      const client = target().client();
      return { quotas: new TenantQuotaStore(client), sessions: new SessionStore(client) };
    });
  });
});
