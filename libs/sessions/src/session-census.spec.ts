import { randomUUID } from 'node:crypto';
import { useTestRedisTarget } from '@app/testing/services';
import { ApprovalStore } from './approval-store';
import { SessionCensus } from './session-census';
import { SessionStore } from './session-store';
import { TenantQuotaStore } from './tenant-quota-store';

describe('SessionCensus (real Redis)', () => {
  const target = useTestRedisTarget({ topology: 'single', label: 'census' });
  let sessions: SessionStore;
  let quotas: TenantQuotaStore;
  let approvals: ApprovalStore;
  let census: SessionCensus;
  beforeAll(() => {
    const client = target().client();
    sessions = new SessionStore(client);
    quotas = new TenantQuotaStore(client);
    approvals = new ApprovalStore(client);
    census = new SessionCensus(client, 3);
  });

  /** A session admitted as live (as session_start does), then moved along to `status`. */
  async function liveSession(tenant: string, path: Array<'running' | 'waiting' | 'idle'>) {
    const id = randomUUID();
    await quotas.admit({ tenant, live: { sessionId: id, mode: 'check', max: 100 } });
    await sessions.create(tenant, {}, id);
    for (const status of path) await sessions.transition(id, status);
    return id;
  }

  it("counts each tenant's live sessions by status and their waiting prompts", async () => {
    const tenant = `t${randomUUID().slice(0, 8)}`;
    await liveSession(tenant, ['running', 'idle']);
    const waiting = await liveSession(tenant, ['running', 'waiting']);
    for (const requestId of ['a', 'b']) {
      await approvals.open(waiting, {
        requestId,
        tool: 'Bash',
        input: { command: 'touch x' },
        suggestions: [],
        deadline: Date.now() + 60_000,
        turn: 1,
        signature: `sig-${requestId}`,
        createdAt: Date.now(),
      });
    }
    const report = await census.count([tenant, `${tenant}-none`]);
    expect(report.sessions.sort((a, b) => a.status.localeCompare(b.status))).toEqual([
      { tenant, status: 'idle', count: 1 },
      { tenant, status: 'waiting', count: 1 },
    ]);
    expect(report.pendingApprovals).toEqual([{ tenant, count: 2 }]);
  });

  it('reads at most its bound of sessions per tenant', async () => {
    const tenant = `t${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 5; i++) await liveSession(tenant, []);
    const report = await census.count([tenant]);
    expect(report.sessions).toEqual([{ tenant, status: 'queued', count: 3 }]);
  });
});
