import type { TenantLimits } from '@app/config';
import { InvalidRequest, type UsageReportArgs } from '@app/contracts';
import type { SessionStore } from '@app/sessions';
import { startOfUtcDay, type UsageLedger } from '@app/usage';
import type { UsageReport } from './usage.outputs';

export interface UsageServiceDeps {
  sessions: Pick<SessionStore, 'get'>;
  ledger: Pick<UsageLedger, 'window' | 'daySpend'>;
  limitsOf(tenant: string): Pick<TenantLimits, 'budgetUsdPerDay'>;
  now?: () => number;
}

/** Sessions listed at most in one report; the totals count every one. */
export const MAX_REPORTED_SESSIONS = 1_000;

/** usage_report: a tenant's usage over a window, from the turns' records (libs/usage). */
export class UsageService {
  constructor(private readonly deps: UsageServiceDeps) {}

  async report(tenant: string, args: UsageReportArgs): Promise<UsageReport> {
    const now = (this.deps.now ?? Date.now)();
    const from = args.from === undefined ? startOfUtcDay(now) : instantOf(args.from);
    // Default: up to now, the turn that ended this very millisecond included.
    const to = args.to === undefined ? now + 1 : instantOf(args.to);
    if (to <= from) {
      throw new InvalidRequest(
        `the window is empty: from (${iso(from)}) must be before to (${iso(to)})`,
      );
    }
    // Another tenant's session answers "not found", like every tool.
    if (args.sessionId) await this.deps.sessions.get(tenant, args.sessionId);
    const [window, spentUsd] = await Promise.all([
      this.deps.ledger.window(tenant, { from, to, sessionId: args.sessionId }),
      this.deps.ledger.daySpend(tenant, now),
    ]);
    const truncated = window.sessions.length > MAX_REPORTED_SESSIONS;
    return {
      from: iso(from),
      to: iso(to),
      total: window.total,
      sessions: window.sessions.slice(0, MAX_REPORTED_SESSIONS),
      ...(truncated ? { truncated } : {}),
      today: { spentUsd, budgetUsdPerDay: this.deps.limitsOf(tenant).budgetUsdPerDay },
    };
  }
}

function instantOf(value: number | string): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
