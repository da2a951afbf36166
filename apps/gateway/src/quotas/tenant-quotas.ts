import { ClientError, type SessionStatus } from '@app/contracts';
import { limitsOf, type TenantLimits, type TenantLimitTable } from '@app/config';
import type { TurnQueue } from '@app/queue';
import {
  turnReservation,
  type AdmitOutcome,
  type AdmitRequest,
  type TenantQuotaStore,
} from '@app/sessions';
import { QuotaReconciler } from './quota-reconciler';
import { maxQueuedTurnsReached, maxSessionsReached } from './quota-refusals';

/** Statuses that hold or wait for a worker: what maxSessions counts. */
export const LIVE_STATUSES: ReadonlySet<SessionStatus> = new Set([
  'queued',
  'running',
  'waiting',
  'idle',
]);

/** Statuses a follow-up message brings back to life (they count again once it is queued). */
const WAKE_STATUSES: ReadonlySet<SessionStatus> = new Set(['hibernated', 'failed']);

/**
 * How long an admission may take to become a session or a queued job before a reconcile takes
 * it for one a crashed gateway left behind (the steps in between take milliseconds).
 */
export const DEFAULT_ADMISSION_GRACE_MS = 30_000;

/** How often a gateway reconciles one tenant at most (when it is at a limit). */
export const DEFAULT_RECONCILE_INTERVAL_MS = 1_000;

export interface TenantQuotasDeps {
  store: Pick<
    TenantQuotaStore,
    | 'admit'
    | 'counts'
    | 'members'
    | 'bindTurn'
    | 'turnsLeft'
    | 'markLive'
    | 'liveTruth'
    | 'releaseIf'
  >;
  queue: Pick<TurnQueue, 'turnStates'>;
  limits: TenantLimitTable;
  admissionGraceMs?: number;
  reconcileIntervalMs?: number;
}

/** What a call holds between its admission and its queued job. */
export interface TurnAdmission {
  /**
   * The tenant's queued turns as this admission counted them, its own included: its place in
   * the tenant's backlog, which fair dispatch orders by (TurnQueue.enqueue).
   */
  readonly backlog?: number;
  /** The turn got its number (nextTurn, before the job is enqueued). */
  numbered(turn: number): Promise<void>;
  /** The turn was not queued after all (`error`: why): what the admission took goes back. */
  abandon(error: unknown): Promise<void>;
}

/**
 * maxSessions and maxQueuedTurns: each session_start and session_send is admitted in one Redis
 * step (TenantQuotaStore) before anything is created. A tenant at a limit is reconciled first
 * (entries that no longer count are dropped, see QuotaReconciler), so a refusal reports the
 * true use.
 */
export class TenantQuotas {
  private readonly reconciler: QuotaReconciler;

  constructor(private readonly deps: TenantQuotasDeps) {
    this.reconciler = new QuotaReconciler(
      deps.store,
      deps.queue,
      LIVE_STATUSES,
      deps.admissionGraceMs ?? DEFAULT_ADMISSION_GRACE_MS,
      deps.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS,
    );
  }

  limitsOf(tenant: string): TenantLimits {
    return limitsOf(this.deps.limits, tenant);
  }

  /**
   * Refuses a session_start at once when the tenant has no slot left, before its workspace is
   * seeded; admitNewSession() is the atomic check that follows.
   */
  async checkStart(tenant: string): Promise<void> {
    const limits = this.limitsOf(tenant);
    const full = (c: { live: number; queued: number }) =>
      c.live >= limits.maxSessions || c.queued >= limits.maxQueuedTurns;
    let counts = await this.deps.store.counts(tenant);
    if (full(counts)) {
      await this.reconciler.reconcile(tenant);
      counts = await this.deps.store.counts(tenant);
    }
    if (counts.live >= limits.maxSessions)
      throw maxSessionsReached(tenant, counts.live, limits.maxSessions);
    if (counts.queued >= limits.maxQueuedTurns)
      throw maxQueuedTurnsReached(tenant, counts.queued, limits.maxQueuedTurns);
  }

  /** A new session (id not yet created) and its first turn. */
  admitNewSession(tenant: string, sessionId: string): Promise<TurnAdmission> {
    return this.admit(tenant, sessionId, 'check');
  }

  /**
   * A follow-up message: one more queued turn, and a live slot when it wakes a hibernated or
   * failed session (refused when the tenant has none: nothing is queued, the session stays as it
   * is). A session that is live already is counted as it is, limit or not.
   */
  async admitTurn(tenant: string, sessionId: string): Promise<TurnAdmission> {
    const [truth] = await this.deps.store.liveTruth([sessionId]);
    // Not the tenant's, or closed: nextTurn refuses it with the right error; nothing to count.
    if (truth.tenant !== tenant || !truth.status) return NOTHING_HELD;
    if (LIVE_STATUSES.has(truth.status)) return this.admit(tenant, sessionId, 'force');
    if (WAKE_STATUSES.has(truth.status)) {
      return this.admit(tenant, sessionId, 'check', truth.status);
    }
    return NOTHING_HELD;
  }

  /** Queued turns that will never start (interrupt or terminate dropped their jobs). */
  async turnsDropped(tenant: string, sessionId: string, turns: readonly number[]): Promise<void> {
    await this.deps.store.turnsLeft(tenant, sessionId, turns);
  }

  /** A session that ended (terminated): its slot is free at once, not at the next reconcile. */
  async sessionEnded(tenant: string, sessionId: string): Promise<void> {
    await this.reconciler.reconcileSession(tenant, sessionId);
  }

  /** Drops every entry that no longer counts; the use that remains. */
  async reconcile(tenant: string): Promise<{ live: number; queued: number }> {
    await this.reconciler.reconcile(tenant);
    return this.deps.store.counts(tenant);
  }

  private async admit(
    tenant: string,
    sessionId: string,
    mode: 'check' | 'force',
    waking?: SessionStatus,
  ): Promise<TurnAdmission> {
    const limits = this.limitsOf(tenant);
    const reservation = turnReservation(sessionId);
    const request: AdmitRequest = {
      tenant,
      live: { sessionId, mode, max: limits.maxSessions },
      queued: { member: reservation, max: limits.maxQueuedTurns },
    };
    let outcome = await this.deps.store.admit(request);
    if (!outcome.admitted) {
      await this.reconciler.reconcile(tenant);
      outcome = await this.deps.store.admit(request);
    }
    if (!outcome.admitted) throw refusal(tenant, outcome, limits, sessionId, waking);
    return new HeldAdmission(this.deps.store, tenant, sessionId, reservation, outcome);
  }
}

function refusal(
  tenant: string,
  outcome: Extract<AdmitOutcome, { admitted: false }>,
  limits: TenantLimits,
  sessionId: string,
  waking: SessionStatus | undefined,
): Error {
  if (outcome.quota === 'maxQueuedTurns')
    return maxQueuedTurnsReached(tenant, outcome.queued, limits.maxQueuedTurns);
  return maxSessionsReached(
    tenant,
    outcome.live,
    limits.maxSessions,
    waking && { sessionId, status: waking },
  );
}

const NOTHING_HELD: TurnAdmission = {
  numbered: async () => undefined,
  abandon: async () => undefined,
};

class HeldAdmission implements TurnAdmission {
  private turn?: number;
  readonly backlog: number;

  constructor(
    private readonly store: TenantQuotasDeps['store'],
    private readonly tenant: string,
    private readonly sessionId: string,
    private readonly reservation: string,
    private readonly admitted: Extract<AdmitOutcome, { admitted: true }>,
  ) {
    this.backlog = admitted.queued;
  }

  async numbered(turn: number): Promise<void> {
    this.turn = turn;
    await this.store.bindTurn(this.tenant, this.reservation, this.sessionId, turn);
    // After nextTurn, so the token is on the session only once its status says live.
    await this.store.markLive(this.sessionId, this.admitted.token);
  }

  async abandon(error: unknown): Promise<void> {
    try {
      await this.giveBack(error);
    } catch {
      // Redis is away (the call fails for that anyway): the reconciler drops the entries later.
    }
  }

  private async giveBack(error: unknown): Promise<void> {
    if (this.turn !== undefined) {
      await this.store.turnsLeft(this.tenant, this.sessionId, [this.turn]);
      return;
    }
    const entry = { score: this.admitted.token, minAgeMs: 0 };
    await this.store.releaseIf(this.tenant, 'queued', [{ member: this.reservation, ...entry }]);
    // A refused call (no such session, closed) changed nothing; after any other failure the
    // session may have been created or re-queued: the reconciler decides from its status.
    if (this.admitted.addedLive && error instanceof ClientError) {
      await this.store.releaseIf(this.tenant, 'live', [{ member: this.sessionId, ...entry }]);
    }
  }
}
