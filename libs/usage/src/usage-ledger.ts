import { keys, ZERO_USAGE, type UsageTotals } from '@app/contracts';
import type { RedisClient } from '@app/redis';
import { RECORD_TURN } from './usage-scripts';

interface UsageCommands {
  usageRecordTurn(stream: string, day: string, ...argv: string[]): Promise<[string, string]>;
}

/** One finished turn's usage: its tokens by kind, and its cost as the CLI reported it. */
export interface TurnUsage {
  sessionId: string;
  turn: number;
  usage: UsageTotals;
  costUsd: number;
}

/** Where a recorded turn landed. */
export interface RecordedTurn {
  at: number;
  daySpend: number;
}

/** Usage summed over turns. */
export interface UsageSums {
  turns: number;
  usage: UsageTotals;
  costUsd: number;
}

/** A window's usage: the tenant's total and each session's, the costliest first. */
export interface UsageWindow {
  total: UsageSums;
  sessions: Array<{ sessionId: string } & UsageSums>;
}

export interface UsageLedgerOptions {
  /** How long a turn's entry is kept (default 90 days): usage_report reaches back this far. */
  retentionMs?: number;
  /** Entries read per XRANGE while summing a window (default 1000). */
  pageSize?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RETENTION_MS = 90 * DAY_MS;
/** A day's counter outlives its day (a turn that ends just after midnight is counted anyway). */
const DAY_COUNTER_TTL_MS = 2 * DAY_MS;

/** The UTC day of `ms` as the day counters name it: `2026-12-06`. */
export const utcDayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The tenants' usage in Redis: one stream entry per finished turn (summed over any window by
 * usage_report, trimmed by age), and a counter per tenant and UTC day for the budget checks,
 * which must not read a whole day of entries before every turn.
 */
export class UsageLedger {
  private readonly redis: RedisClient & UsageCommands;
  private readonly retentionMs: number;
  private readonly pageSize: number;

  constructor(redis: RedisClient, options: UsageLedgerOptions = {}) {
    redis.defineCommand('usageRecordTurn', { numberOfKeys: 2, lua: RECORD_TURN });
    this.redis = redis as RedisClient & UsageCommands;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.pageSize = options.pageSize ?? 1000;
  }

  /**
   * Adds a finished turn to the tenant's usage and to its spend of the day. Answers when the
   * entry is dated (epoch ms, Redis time: what usage_report windows compare) and the tenant's
   * spend of the day with this turn.
   */
  async record(tenant: string, turn: TurnUsage, now = Date.now()): Promise<RecordedTurn> {
    const u = turn.usage;
    const [id, day] = await this.redis.usageRecordTurn(
      keys.tenantUsage(tenant),
      keys.tenantDaySpend(tenant, utcDayOf(now)),
      String(now - this.retentionMs),
      String(DAY_COUNTER_TTL_MS),
      String(turn.costUsd),
      ...['s', turn.sessionId, 't', String(turn.turn)],
      ...['i', String(u.input_tokens), 'o', String(u.output_tokens)],
      ...['cw', String(u.cache_creation_input_tokens), 'cr', String(u.cache_read_input_tokens)],
      ...['c', String(turn.costUsd)],
    );
    return { at: Number(id.split('-')[0]), daySpend: Number(day) };
  }

  /** What the tenant's finished turns cost in the UTC day of `now`. */
  async daySpend(tenant: string, now = Date.now()): Promise<number> {
    const value = await this.redis.get(keys.tenantDaySpend(tenant, utcDayOf(now)));
    return value ? Number(value) : 0;
  }

  /** The tenant's usage of the turns that ended in [from, to), optionally of one session. */
  async window(
    tenant: string,
    range: { from: number; to: number; sessionId?: string },
  ): Promise<UsageWindow> {
    const total = emptySums();
    const bySession = new Map<string, UsageSums>();
    if (range.to <= range.from) return { total, sessions: [] };
    const key = keys.tenantUsage(tenant);
    let start = String(range.from);
    const end = String(range.to - 1);
    for (;;) {
      const page = await this.redis.xrange(key, start, end, 'COUNT', this.pageSize);
      for (const [, fields] of page) {
        const entry = decodeEntry(fields);
        if (!entry || (range.sessionId && entry.sessionId !== range.sessionId)) continue;
        let sums = bySession.get(entry.sessionId);
        if (!sums) bySession.set(entry.sessionId, (sums = emptySums()));
        add(sums, entry);
        add(total, entry);
      }
      if (page.length < this.pageSize) break;
      start = `(${page[page.length - 1][0]}`;
    }
    const sessions = [...bySession]
      .map(([sessionId, sums]) => ({ sessionId, ...sums }))
      .sort((a, b) => b.costUsd - a.costUsd || a.sessionId.localeCompare(b.sessionId));
    return { total, sessions };
  }
}

function emptySums(): UsageSums {
  return { turns: 0, usage: { ...ZERO_USAGE }, costUsd: 0 };
}

function add(sums: UsageSums, entry: TurnUsage): void {
  sums.turns += 1;
  sums.costUsd += entry.costUsd;
  sums.usage.input_tokens += entry.usage.input_tokens;
  sums.usage.output_tokens += entry.usage.output_tokens;
  sums.usage.cache_creation_input_tokens += entry.usage.cache_creation_input_tokens;
  sums.usage.cache_read_input_tokens += entry.usage.cache_read_input_tokens;
}

/** A stream entry's flat field list back into a turn; undefined for one this code did not write. */
function decodeEntry(fields: string[]): TurnUsage | undefined {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  if (!f.s) return undefined;
  const n = (v: string | undefined) => (v ? Number(v) || 0 : 0);
  return {
    sessionId: f.s,
    turn: n(f.t),
    usage: {
      input_tokens: n(f.i),
      output_tokens: n(f.o),
      cache_creation_input_tokens: n(f.cw),
      cache_read_input_tokens: n(f.cr),
    },
    costUsd: n(f.c),
  };
}
