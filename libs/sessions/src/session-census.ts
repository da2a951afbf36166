import { keys } from '@app/contracts';
import type { RedisClient } from '@app/redis';

/** Sessions read per tenant at most: a scrape stays cheap whatever a tenant's limits allow. */
export const CENSUS_SESSIONS_PER_TENANT = 1_000;

export interface CensusReport {
  sessions: Array<{ tenant: string; status: string; count: number }>;
  pendingApprovals: Array<{ tenant: string; count: number }>;
}

/**
 * Counts sessions by status, and the permission prompts waiting in them, for the metrics. It
 * reads the tenants' live-session ledgers (maxSessions keeps one per tenant, see
 * TenantQuotaStore) rather than scanning keys: that bounds the read by the tenant's live
 * sessions, and each session's status is read from its record, since a ledger may run a little
 * ahead of the truth until it is reconciled. Hibernated and closed sessions cost nothing and are
 * not counted.
 */
export class SessionCensus {
  constructor(
    private readonly redis: RedisClient,
    private readonly perTenant = CENSUS_SESSIONS_PER_TENANT,
  ) {}

  async count(tenants: readonly string[]): Promise<CensusReport> {
    const report: CensusReport = { sessions: [], pendingApprovals: [] };
    for (const tenant of tenants) {
      const ids = await this.redis.zrange(keys.tenantLiveSessions(tenant), 0, this.perTenant - 1);
      // Sent together: ioredis queues them on one connection without waiting for each answer.
      const statuses = await Promise.all(
        ids.map((id) => this.redis.hget(keys.session(id), 'status')),
      );
      const byStatus = new Map<string, number>();
      for (const status of statuses) {
        if (status) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      }
      for (const [status, count] of byStatus) report.sessions.push({ tenant, status, count });
      const waiting = ids.filter((_, i) => statuses[i] === 'waiting');
      const prompts = await Promise.all(waiting.map((id) => this.redis.hlen(keys.approvals(id))));
      const count = prompts.reduce((sum, n) => sum + n, 0);
      if (count > 0) report.pendingApprovals.push({ tenant, count });
    }
    return report;
  }
}
