import type { SessionStatus } from '@app/contracts';
import type { TurnQueue } from '@app/queue';
import {
  parseQueuedMember,
  type ConditionalRelease,
  type LedgerEntry,
  type TenantQuotaStore,
} from '@app/sessions';

type Store = Pick<TenantQuotaStore, 'members' | 'liveTruth' | 'releaseIf'>;

/**
 * Brings a tenant's quota ledger back to the truth, which lives elsewhere: a session counts
 * while its status is live (or a turn of it is still queued), a queued turn while its job waits
 * in the queue. The ledger can only be ahead of the truth (admissions come first, and a crash
 * between admission and creation leaves an entry behind), never behind it, so reconciling only
 * removes:
 * - entries whose truth says "no longer": at once, on the condition that their score is still
 *   the one read (a session woken meanwhile was admitted again, with a new score, and stays);
 * - entries with no truth yet (an admission whose session or job is not written): only once
 *   older than the grace, when the gateway that made them must have died.
 * Runs when a tenant is at a limit, so the cost is paid by the calls it may refuse; calls refused
 * at once share one run, and a tenant is reconciled at most every `intervalMs` per gateway (a
 * run reads every entry's session or job: a tenant hammering at its limit must not make Redis
 * do that for each call).
 */
export class QuotaReconciler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly lastRun = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly queue: Pick<TurnQueue, 'turnStates'>,
    private readonly liveStatuses: ReadonlySet<SessionStatus>,
    private readonly graceMs: number,
    private readonly intervalMs: number,
  ) {}

  reconcile(tenant: string): Promise<void> {
    const running = this.running.get(tenant);
    if (running) return running;
    if (Date.now() - (this.lastRun.get(tenant) ?? 0) < this.intervalMs) return Promise.resolve();
    this.lastRun.set(tenant, Date.now());
    const run = this.run(tenant).finally(() => this.running.delete(tenant));
    this.running.set(tenant, run);
    return run;
  }

  private async run(tenant: string): Promise<void> {
    const { live, queued } = await this.store.members(tenant);
    const queuing = await this.reconcileQueued(tenant, queued);
    await this.reconcileLive(
      tenant,
      live.filter((entry) => !queuing.has(entry.member)),
    );
  }

  /** One session's live entry, e.g. right after it was terminated. */
  async reconcileSession(tenant: string, sessionId: string): Promise<void> {
    const { live } = await this.store.members(tenant);
    await this.reconcileLive(
      tenant,
      live.filter((entry) => entry.member === sessionId),
    );
  }

  /** Releases what no longer waits; returns the sessions that may still have a turn queued. */
  private async reconcileQueued(tenant: string, entries: LedgerEntry[]): Promise<Set<string>> {
    const queuing = new Set<string>();
    const releases: ConditionalRelease[] = [];
    const numbered: Array<{ entry: LedgerEntry; sessionId: string; turn: number }> = [];
    for (const entry of entries) {
      const ref = parseQueuedMember(entry.member);
      if (ref?.turn !== undefined)
        numbered.push({ entry, sessionId: ref.sessionId, turn: ref.turn });
      else {
        // A reservation: its turn has no number yet (or its gateway died before it had one).
        if (ref) queuing.add(ref.sessionId);
        releases.push({ ...entry, minAgeMs: this.graceMs });
      }
    }
    const states = await this.queue.turnStates(numbered);
    numbered.forEach(({ entry, sessionId }, i) => {
      if (states[i] === 'taken') return releases.push({ ...entry, minAgeMs: 0 });
      queuing.add(sessionId);
      // Missing: its job is being added (or never will be: its gateway died).
      if (states[i] === 'missing') releases.push({ ...entry, minAgeMs: this.graceMs });
    });
    await this.store.releaseIf(tenant, 'queued', releases);
    return queuing;
  }

  private async reconcileLive(tenant: string, entries: LedgerEntry[]): Promise<void> {
    const truths = await this.store.liveTruth(entries.map((e) => e.member));
    const releases: ConditionalRelease[] = [];
    entries.forEach((entry, i) => {
      const { status, tenant: owner, token } = truths[i];
      if (!status || owner !== tenant) {
        // Not created yet, or never will be.
        releases.push({ ...entry, minAgeMs: this.graceMs });
      } else if (!this.liveStatuses.has(status)) {
        // Hibernated or ended: at once when no admission came after the one the session
        // records; else that admission may be about to wake it.
        const settled = token !== undefined && Number(token) === Number(entry.score);
        releases.push({ ...entry, minAgeMs: settled ? 0 : this.graceMs });
      }
    });
    await this.store.releaseIf(tenant, 'live', releases);
  }
}
