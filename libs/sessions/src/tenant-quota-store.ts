import { randomUUID } from 'node:crypto';
import { keys, type SessionStatus } from '@app/contracts';
import type { RedisClient } from '@app/redis';
import { ADMIT, BIND_TURN, MARK_LIVE, RELEASE_IF } from './tenant-quota-scripts';

interface QuotaCommands {
  quotaAdmit(live: string, queued: string, ...argv: string[]): Promise<[string, ...unknown[]]>;
  quotaReleaseIf(key: string, ...argv: string[]): Promise<number>;
  quotaBindTurn(key: string, ...argv: string[]): Promise<number>;
  quotaMarkLive(key: string, token: string): Promise<number>;
}

/** What one admission asks for: a live-session slot, a queued-turn slot, or both. */
export interface AdmitRequest {
  tenant: string;
  /** `check`: the session becomes live and needs a free slot; `force`: it is live already. */
  live?: { sessionId: string; mode: 'check' | 'force'; max: number };
  /** A reservation (see `reservation`) or a turn member, counted against `max`. */
  queued?: { member: string; max: number };
}

export type AdmitOutcome =
  | {
      admitted: true;
      /** The admission's score: its time in µs on the Redis clock. */
      token: string;
      /** The session was not in the live set before (it took a slot). */
      addedLive: boolean;
      live: number;
      queued: number;
    }
  | { admitted: false; quota: 'maxSessions' | 'maxQueuedTurns'; live: number; queued: number };

/** A member of a ledger set and the admission time it was counted at (µs, Redis clock). */
export interface LedgerEntry {
  member: string;
  score: string;
}

/** A removal decided on a member as it was read: it happens only while the score is the same. */
export interface ConditionalRelease extends LedgerEntry {
  /** 0: now; more: only once the admission is this old (an admission may still be under way). */
  minAgeMs: number;
}

/** The session-hash fields that decide whether a live-set entry still counts. */
export interface LiveTruth {
  status?: SessionStatus;
  tenant?: string;
  /** The newest admission recorded on the session (MARK_LIVE). */
  token?: string;
}

/**
 * The per-tenant quota ledger in Redis: which sessions are live and which turns are queued, as
 * sorted sets under the tenant's hash tag, admitted by one script each time (check and add in
 * one step, so replicas racing for the last slot cannot both win). Entries are never trusted
 * blindly: a reconciler (TenantQuotas) compares them with the sessions and the queue and drops
 * those a crash left behind, with removals conditioned on the score they were decided on.
 */
export class TenantQuotaStore {
  private readonly redis: RedisClient & QuotaCommands;

  constructor(redis: RedisClient) {
    redis.defineCommand('quotaAdmit', { numberOfKeys: 2, lua: ADMIT });
    redis.defineCommand('quotaReleaseIf', { numberOfKeys: 1, lua: RELEASE_IF });
    redis.defineCommand('quotaBindTurn', { numberOfKeys: 1, lua: BIND_TURN });
    redis.defineCommand('quotaMarkLive', { numberOfKeys: 1, lua: MARK_LIVE });
    this.redis = redis as RedisClient & QuotaCommands;
  }

  async admit(request: AdmitRequest): Promise<AdmitOutcome> {
    const { tenant, live, queued } = request;
    const [outcome, liveCount, queuedCount, token, added] = await this.redis.quotaAdmit(
      keys.tenantLiveSessions(tenant),
      keys.tenantQueuedTurns(tenant),
      live?.sessionId ?? '',
      live?.mode ?? 'check',
      String(live?.max ?? 0),
      queued?.member ?? '',
      String(queued?.max ?? 0),
    );
    const counts = { live: Number(liveCount), queued: Number(queuedCount) };
    if (outcome === 'ok')
      return { admitted: true, token: String(token), addedLive: added === 1, ...counts };
    return { admitted: false, quota: outcome as 'maxSessions' | 'maxQueuedTurns', ...counts };
  }

  async counts(tenant: string): Promise<{ live: number; queued: number }> {
    const [live, queued] = await Promise.all([
      this.redis.zcard(keys.tenantLiveSessions(tenant)),
      this.redis.zcard(keys.tenantQueuedTurns(tenant)),
    ]);
    return { live, queued };
  }

  async members(tenant: string): Promise<{ live: LedgerEntry[]; queued: LedgerEntry[] }> {
    const [live, queued] = await Promise.all([
      this.redis.zrange(keys.tenantLiveSessions(tenant), 0, -1, 'WITHSCORES'),
      this.redis.zrange(keys.tenantQueuedTurns(tenant), 0, -1, 'WITHSCORES'),
    ]);
    return { live: pairs(live), queued: pairs(queued) };
  }

  /** The reserved queued turn got its number (before its job is enqueued). */
  async bindTurn(tenant: string, reservation: string, sessionId: string, turn: number) {
    await this.redis.quotaBindTurn(
      keys.tenantQueuedTurns(tenant),
      reservation,
      queuedTurnMember(sessionId, turn),
    );
  }

  /** Turns that left the queue: taken by a worker, or dropped (interrupt, terminate). */
  async turnsLeft(tenant: string, sessionId: string, turns: readonly number[]): Promise<void> {
    if (turns.length === 0) return;
    await this.redis.zrem(
      keys.tenantQueuedTurns(tenant),
      ...turns.map((turn) => queuedTurnMember(sessionId, turn)),
    );
  }

  /** Records on the session that the admission `token` made it live (after its status says so). */
  async markLive(sessionId: string, token: string): Promise<void> {
    await this.redis.quotaMarkLive(keys.session(sessionId), token);
  }

  async liveTruth(sessionIds: readonly string[]): Promise<LiveTruth[]> {
    return Promise.all(
      sessionIds.map(async (id) => {
        const [status, tenant, token] = await this.redis.hmget(
          keys.session(id),
          'status',
          'tenant',
          'liveAdmission',
        );
        return {
          status: (status ?? undefined) as SessionStatus | undefined,
          tenant: tenant ?? undefined,
          token: token ?? undefined,
        };
      }),
    );
  }

  /** Removes entries whose score is still the one read; returns how many went. */
  async releaseIf(
    tenant: string,
    set: 'live' | 'queued',
    entries: readonly ConditionalRelease[],
  ): Promise<number> {
    if (entries.length === 0) return 0;
    const key = set === 'live' ? keys.tenantLiveSessions(tenant) : keys.tenantQueuedTurns(tenant);
    return this.redis.quotaReleaseIf(
      key,
      ...entries.flatMap((e) => [e.member, e.score, String(e.minAgeMs * 1000)]),
    );
  }
}

/** The queued-turn member of a numbered turn. */
export const queuedTurnMember = (sessionId: string, turn: number) => `${sessionId}:${turn}`;

/** A queued-turn member held for a turn whose number is not known yet (nextTurn comes after). */
export const turnReservation = (sessionId: string) => `${sessionId}:r:${randomUUID()}`;

/** What a queued-turn member stands for: a numbered turn, or a reservation. */
export function parseQueuedMember(
  member: string,
): { sessionId: string; turn?: number } | undefined {
  const numbered = /^(.+):(\d+)$/.exec(member);
  if (numbered) return { sessionId: numbered[1], turn: Number(numbered[2]) };
  const reserved = /^(.+):r:[0-9a-f-]+$/.exec(member);
  return reserved ? { sessionId: reserved[1] } : undefined;
}

function pairs(flat: string[]): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i], score: flat[i + 1] });
  return out;
}
