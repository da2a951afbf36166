import { ClientError, type UsageTotals } from '@app/contracts';

/*
 * Spend caps: a session's (budgetUsd, budgetTokens, over its life) and a tenant's (budgetUsdPerDay,
 * per UTC day). The gateway refuses a turn once a cap is reached; the worker interrupts a running
 * turn that reaches one. Both decide here, so they cannot disagree on what "over budget" means.
 */

export type BudgetScope = 'session' | 'tenant';
export type BudgetKind = 'usd' | 'tokens';

/** The caps that apply to one turn; an absent (or null) cap is no cap. */
export interface BudgetCaps {
  sessionUsd?: number;
  sessionTokens?: number;
  tenantUsdPerDay?: number | null;
}

/** What has been used against those caps. */
export interface BudgetUse {
  sessionUsd: number;
  sessionTokens: number;
  tenantUsdToday: number;
}

/** A cap that is reached: which one, its limit, and what was used. */
export interface Breach {
  scope: BudgetScope;
  budget: BudgetKind;
  limit: number;
  used: number;
}

/** Every token the model processed or produced, of every kind. */
export function totalTokens(usage: UsageTotals): number {
  return (
    usage.input_tokens +
    usage.output_tokens +
    usage.cache_creation_input_tokens +
    usage.cache_read_input_tokens
  );
}

/** The first cap that `use` has reached (used ≥ limit), the session's before the tenant's. */
export function breachOf(caps: BudgetCaps, use: BudgetUse): Breach | undefined {
  const checks: Array<[BudgetScope, BudgetKind, number | null | undefined, number]> = [
    ['session', 'usd', caps.sessionUsd, use.sessionUsd],
    ['session', 'tokens', caps.sessionTokens, use.sessionTokens],
    ['tenant', 'usd', caps.tenantUsdPerDay, use.tenantUsdToday],
  ];
  for (const [scope, budget, limit, used] of checks) {
    if (typeof limit === 'number' && used >= limit) return { scope, budget, limit, used };
  }
  return undefined;
}

/** True when there is any cap to watch. */
export function hasCaps(caps: BudgetCaps): boolean {
  return (
    caps.sessionUsd !== undefined ||
    caps.sessionTokens !== undefined ||
    typeof caps.tenantUsdPerDay === 'number'
  );
}

/** Start of the UTC day after `now`: when a tenant's daily budget starts again. */
export function nextUtcDay(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/** Start of the UTC day of `now`. */
export function startOfUtcDay(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

export const usd = (n: number) => `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 6 : 4)}`;

/**
 * What was reached and what to do about it, as one sentence for a person or a model: a
 * session's cap is raised with session_send; a tenant's resets when the UTC day ends.
 */
export function describeBreach(breach: Breach, where: { tenant: string; now: number }): string {
  const { limit, used } = breach;
  if (breach.scope === 'tenant') {
    return (
      `tenant ${where.tenant} has spent ${usd(used)} today of its daily budget ${usd(limit)} ` +
      `(budgetUsdPerDay, per UTC day): new turns are refused until the day ends at ` +
      `${new Date(nextUtcDay(where.now)).toISOString()}; the operator can raise it in TENANT_LIMITS`
    );
  }
  if (breach.budget === 'usd') {
    return (
      `the session has cost ${usd(used)} of its budgetUsd ${usd(limit)}: send the message with ` +
      `session_send { budgetUsd: <more than ${usd(used).slice(1)}> } to raise the budget and go on`
    );
  }
  return (
    `the session has used ${used} tokens of its budgetTokens ${limit}: send the message with ` +
    `session_send { budgetTokens: <more than ${used}> } to raise the budget and go on`
  );
}

/** A turn refused before it starts: a budget is spent. Nothing was created or queued. */
export class BudgetExceeded extends ClientError {
  override readonly name = 'BudgetExceeded';
  constructor(
    readonly breach: Breach,
    where: { tenant: string; now: number },
  ) {
    super(`Budget exceeded: ${describeBreach(breach, where)}.`);
  }
}
