import type { ClaudeMessage, ResultMessage } from '@app/claude';
import type { TenantLimits } from '@app/config';
import type { NewSessionEvent, SessionRecord, UsageTotals } from '@app/contracts';
import {
  breachOf,
  describeBreach,
  hasCaps,
  totalTokens,
  type Breach,
  type BudgetCaps,
  type BudgetUse,
  type UsageLedger,
} from '@app/usage';
import type { Logger } from 'pino';
import type { LiveTurns } from '../runtime/live-session-registry';
import { reconcileTokens, TurnUsageMeter } from './budget-meter';

export interface TurnBudgetsDeps {
  ledger: Pick<UsageLedger, 'daySpend' | 'record'>;
  /** The tenant's limits (TENANT_LIMITS), of which the daily budget applies here. */
  limitsOf(tenant: string): Pick<TenantLimits, 'budgetUsdPerDay'>;
  logger: Logger;
  now?: () => number;
}

/** A finished turn as accounted: its tokens and cost, and why a budget stopped it, if one did. */
export interface SettledTurn {
  usage: UsageTotals;
  costUsd: number;
  stop?: { event: NewSessionEvent; message: string };
}

/**
 * The spend side of turns on this worker: each turn is watched against its session's and its
 * tenant's caps while it runs, and recorded in the tenant's usage when it ends.
 */
export class TurnBudgets {
  constructor(private readonly deps: TurnBudgetsDeps) {}

  /** Starts watching a turn: what its session and tenant had used when it started. */
  async open(
    record: SessionRecord,
    turn: number,
    live: Pick<LiveTurns, 'interrupt' | 'busy' | 'currentTurn'>,
  ): Promise<TurnBudget> {
    const now = (this.deps.now ?? Date.now)();
    const caps: BudgetCaps = {
      sessionUsd: record.options.budgetUsd,
      sessionTokens: record.options.budgetTokens,
      tenantUsdPerDay: this.deps.limitsOf(record.tenant).budgetUsdPerDay,
    };
    const base: BudgetUse = {
      sessionUsd: record.costUsd,
      sessionTokens: totalTokens(record.usage),
      tenantUsdToday: typeof caps.tenantUsdPerDay === 'number' ? await this.daySpend(record) : 0,
    };
    // Only the turn this budget watches is stopped: never a later one of the same process.
    const stop = async () => {
      if (live.busy && live.currentTurn === turn) await live.interrupt();
    };
    return new TurnBudget(record, turn, caps, base, stop, this.deps, now);
  }

  private async daySpend(record: SessionRecord): Promise<number> {
    try {
      return await this.deps.ledger.daySpend(record.tenant);
    } catch (error) {
      // The gateway checked the day's spend before queueing this turn; the turn still runs.
      this.deps.logger.warn({ sessionId: record.id, err: error }, 'day spend unreadable');
      return 0;
    }
  }
}

/** One turn's spend: metered while it runs, stopped at a cap, accounted when it ends. */
export class TurnBudget {
  private readonly meter = new TurnUsageMeter();
  private detected: Breach | undefined;
  /** Sees each CLI line of the turn; undefined when no cap applies (nothing to watch). */
  readonly watch: ((message: ClaudeMessage) => void) | undefined;

  constructor(
    private readonly record: SessionRecord,
    private readonly turn: number,
    private readonly caps: BudgetCaps,
    private readonly base: BudgetUse,
    private readonly stop: () => Promise<void>,
    private readonly deps: TurnBudgetsDeps,
    private readonly startedAt: number,
  ) {
    this.watch = hasCaps(caps) ? (message) => this.safely(message) : undefined;
  }

  /**
   * Accounts the finished turn: its tokens (the result's, or what was metered when the result
   * reports less, as an interrupted one does) and its cost (the CLI's delta), added to the
   * tenant's usage; and, when a cap stopped it, the budget_exceeded event with the figures in
   * the end.
   */
  async settle(result: ResultMessage, costUsd: number): Promise<SettledTurn> {
    // A call cut short by the stop never reports its output: what it streamed counts instead.
    const metered = this.detected ? this.meter.liveTokens() : this.meter.tokens();
    const usage = reconcileTokens(result.usage, metered);
    let tenantUsdToday = this.base.tenantUsdToday + costUsd;
    try {
      const recorded = await this.deps.ledger.record(this.record.tenant, {
        sessionId: this.record.id,
        turn: this.turn,
        usage,
        costUsd,
      });
      tenantUsdToday = recorded.daySpend;
    } catch (error) {
      this.deps.logger.error(
        { sessionId: this.record.id, turn: this.turn, err: error },
        'turn usage not recorded',
      );
    }
    if (!this.detected) return { usage, costUsd };
    const final = this.useWith(totalTokens(usage), costUsd, tenantUsdToday);
    const { scope, budget, limit } = this.detected;
    const used =
      budget === 'tokens'
        ? final.sessionTokens
        : scope === 'session'
          ? final.sessionUsd
          : final.tenantUsdToday;
    const what = describeBreach(
      { scope, budget, limit, used },
      { tenant: this.record.tenant, now: (this.deps.now ?? Date.now)() },
    );
    const message = `turn ${this.turn} was stopped: ${what}`;
    const data = { scope, budget, limit, used, detected: this.detected.used, message };
    return {
      usage,
      costUsd,
      stop: { event: { turn: this.turn, kind: 'budget_exceeded', data }, message },
    };
  }

  /** Runs in the CLI's reader: whatever goes wrong here must not stop the turn's stream. */
  private safely(message: ClaudeMessage): void {
    try {
      this.observe(message);
    } catch (error) {
      this.deps.logger.warn({ sessionId: this.record.id, err: error }, 'budget meter failed');
    }
  }

  private observe(message: ClaudeMessage): void {
    // Metered to the end, so an interrupted turn's tokens are accounted; checked until a cap is hit.
    if (!this.meter.observe(message) || this.detected) return;
    const usd = this.meter.estimatedUsd();
    const breach = breachOf(
      this.caps,
      this.useWith(totalTokens(this.meter.liveTokens()), usd, this.base.tenantUsdToday + usd),
    );
    if (!breach) return;
    this.detected = breach;
    this.deps.logger.info(
      { sessionId: this.record.id, turn: this.turn, breach, afterMs: Date.now() - this.startedAt },
      'budget reached: interrupting the turn',
    );
    this.stop().catch((error: unknown) =>
      this.deps.logger.warn({ sessionId: this.record.id, err: error }, 'budget interrupt failed'),
    );
  }

  /** What the session and tenant use with this turn's tokens and cost added. */
  private useWith(tokens: number, usd: number, tenantUsdToday: number): BudgetUse {
    return {
      sessionUsd: this.base.sessionUsd + usd,
      sessionTokens: this.base.sessionTokens + tokens,
      tenantUsdToday,
    };
  }
}
