import type { TenantLimits } from '@app/config';
import { CLOSED_STATUSES, type SessionOptions, type SessionRecord } from '@app/contracts';
import type { SessionStore } from '@app/sessions';
import {
  BudgetExceeded,
  breachOf,
  totalTokens,
  type BudgetCaps,
  type UsageLedger,
} from '@app/usage';

export interface SpendGateDeps {
  sessions: Pick<SessionStore, 'get' | 'update'>;
  ledger: Pick<UsageLedger, 'daySpend'>;
  /** The tenant's limits (TENANT_LIMITS), of which the daily budget applies here. */
  limitsOf(tenant: string): Pick<TenantLimits, 'budgetUsdPerDay'>;
  now?: () => number;
}

/** Budgets a session_send may name: they replace the session's before the turn is admitted. */
export type BudgetChange = Pick<SessionOptions, 'budgetUsd' | 'budgetTokens'>;

/**
 * Refuses a turn before anything of it exists once a budget is spent: the session's own
 * (budgetUsd, budgetTokens) or its tenant's of the UTC day (budgetUsdPerDay). The worker stops a
 * turn that crosses one while it runs (turn-budget.ts); this gate keeps the next one from starting.
 */
export class SpendGate {
  constructor(private readonly deps: SpendGateDeps) {}

  /** A new session: refused while the tenant's budget of the day is spent. */
  async admitSession(tenant: string): Promise<void> {
    await this.check(tenant, { tenantUsdPerDay: this.deps.limitsOf(tenant).budgetUsdPerDay });
  }

  /**
   * A session's next turn: budgets named in the call replace the session's (so a spent budget
   * is raised in the same call that goes on); then the turn is refused while a budget is spent,
   * and the new budgets are kept only when it is not.
   */
  async admitTurn(tenant: string, sessionId: string, change: BudgetChange = {}): Promise<void> {
    const record = await this.deps.sessions.get(tenant, sessionId);
    // A closed session refuses the message itself, saying so (SessionClosed).
    if (CLOSED_STATUSES.includes(record.status)) return;
    const options = withBudgets(record.options, change);
    await this.check(
      tenant,
      {
        sessionUsd: options.budgetUsd,
        sessionTokens: options.budgetTokens,
        tenantUsdPerDay: this.deps.limitsOf(tenant).budgetUsdPerDay,
      },
      record,
    );
    if (options !== record.options) await this.deps.sessions.update(sessionId, { options });
  }

  private async check(tenant: string, caps: BudgetCaps, record?: SessionRecord): Promise<void> {
    const now = (this.deps.now ?? Date.now)();
    const tenantUsdToday =
      typeof caps.tenantUsdPerDay === 'number' ? await this.deps.ledger.daySpend(tenant, now) : 0;
    const breach = breachOf(caps, {
      sessionUsd: record?.costUsd ?? 0,
      sessionTokens: record ? totalTokens(record.usage) : 0,
      tenantUsdToday,
    });
    if (breach) throw new BudgetExceeded(breach, { tenant, now });
  }
}

/** The options with the named budgets in place; the same object when nothing changes. */
function withBudgets(options: SessionOptions, change: BudgetChange): SessionOptions {
  const next = { ...options };
  let changed = false;
  for (const key of ['budgetUsd', 'budgetTokens'] as const) {
    const value = change[key];
    if (value !== undefined && value !== options[key]) {
      next[key] = value;
      changed = true;
    }
  }
  return changed ? next : options;
}
