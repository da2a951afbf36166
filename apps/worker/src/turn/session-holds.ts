import type { Logger } from 'pino';
import type { ControlAction, NewSessionEvent } from '@app/contracts';
import type { SessionControl, SessionLeases, SessionStore } from '@app/sessions';
import type { SessionCheckpointer } from '../checkpoint/session-checkpointer';
import type { TurnCheckpoints } from '../checkpoint/turn-checkpoints';
import type { LiveSessions } from '../runtime/live-session-registry';
import { statusEvent } from './turn-events';

export interface SessionHoldsDeps {
  sessions: Pick<SessionStore, 'find' | 'transition'>;
  leases: Pick<SessionLeases, 'acquire' | 'release'>;
  /** Control requests: this worker hears those of the sessions it holds, and asks for others. */
  control: Pick<SessionControl, 'send' | 'subscribe' | 'unsubscribe'>;
  events: { append(sessionId: string, events: readonly NewSessionEvent[]): Promise<unknown> };
  checkpointer: Pick<SessionCheckpointer, 'forget'>;
  checkpoints: Pick<TurnCheckpoints, 'settle' | 'cancel'>;
  registry: LiveSessions;
  sessionIdleMs: number;
  logger: Logger;
}

/** Why a running turn's CLI went away under it by this worker's own doing. */
export type TakenAway = 'handback' | 'lost';

/**
 * This worker's hold on sessions: it takes a session (its lease and control channel) to run
 * its turns, keeps its CLI while it is used, and lets it go: hibernated when idle, handed over
 * when another worker asks, stopped on terminate, given back when the worker stops, dropped
 * when another worker took its lease.
 */
export class SessionHolds {
  /** Sessions another worker asked for: handed over as soon as their current turn ends. */
  private readonly releaseWanted = new Set<string>();
  /** Sessions whose running turn is taken away here, and why. */
  private readonly takenAway = new Map<string, TakenAway>();
  /**
   * Sessions a turn of this worker has taken (from take() until the turn ends or the session is
   * let go): never hibernated under it, even before its CLI reads busy.
   */
  private readonly inTurn = new Set<string>();
  /** Hibernations under way: a turn that takes the session meanwhile waits for them. */
  private readonly leaving = new Map<string, Promise<void>>();

  constructor(private readonly deps: SessionHoldsDeps) {}

  /**
   * True when this worker holds the session now; otherwise asks its holder to let go. A
   * hibernation of the session under way here either sees the turn and keeps the CLI, or ends
   * first: the turn then starts the session again from its checkpoint.
   */
  async take(sessionId: string): Promise<boolean> {
    this.inTurn.add(sessionId);
    await this.leaving.get(sessionId);
    if (!(await this.deps.leases.acquire(sessionId))) {
      this.inTurn.delete(sessionId);
      await this.deps.control.send(sessionId, 'release');
      return false;
    }
    if (this.takenAway.get(sessionId) === 'lost') this.takenAway.delete(sessionId);
    await this.deps.control.subscribe(sessionId);
    return true;
  }

  /** Lets go of a session taken for nothing (its turn must wait), without closing anything. */
  async putBack(sessionId: string): Promise<void> {
    this.inTurn.delete(sessionId);
    await this.deps.leases.release(sessionId);
  }

  /**
   * A client's interrupt, terminate or approval answer, or another worker's request for the
   * session.
   */
  async control(sessionId: string, action: ControlAction): Promise<void> {
    if (action === 'interrupt') await this.deps.registry.get(sessionId)?.interrupt();
    else if (action === 'answered') await this.deps.registry.get(sessionId)?.checkApprovals();
    else if (action === 'terminate') await this.kill(sessionId);
    else if (this.inUse(sessionId)) this.releaseWanted.add(sessionId);
    else await this.hibernate(sessionId);
  }

  /** A turn ended: hand the session over if another worker asked, else keep it until idle. */
  async turnEnded(sessionId: string): Promise<void> {
    this.inTurn.delete(sessionId);
    if (this.releaseWanted.delete(sessionId)) return this.hibernate(sessionId);
    this.deps.registry.scheduleIdle(
      sessionId,
      this.deps.sessionIdleMs,
      () => void this.hibernate(sessionId),
    );
  }

  /** Whether this worker took the session's running turn away (and forgets it). */
  takenAwayFrom(sessionId: string): TakenAway | undefined {
    const why = this.takenAway.get(sessionId);
    this.takenAway.delete(sessionId);
    return why;
  }

  /**
   * Ends an idle session's process; its next message starts a new one with --resume, on any
   * worker. Not while its newest turn waits for its checkpoint (the store is away): the session
   * stays here until the store holds it. A busy session is left alone unless `force` (worker
   * shutdown), which ends its turn too and cannot wait for a checkpoint.
   */
  async hibernate(sessionId: string, options: { force?: boolean } = {}): Promise<void> {
    const under = this.leaving.get(sessionId);
    if (under) {
      await under;
      if (!options.force) return;
    }
    if (!options.force && this.inUse(sessionId)) return;
    const leaving = this.leave(sessionId, options.force === true).finally(() => {
      if (this.leaving.get(sessionId) === leaving) this.leaving.delete(sessionId);
    });
    this.leaving.set(sessionId, leaving);
    await leaving;
  }

  private async leave(sessionId: string, force: boolean): Promise<void> {
    if (!(await this.deps.checkpoints.settle(sessionId))) {
      if (!force) {
        this.deps.registry.scheduleIdle(
          sessionId,
          this.deps.sessionIdleMs,
          () => void this.hibernate(sessionId),
        );
        return;
      }
      this.deps.logger.warn({ sessionId }, 'hibernating with its newest turn not checkpointed');
    }
    // A turn of this worker took the session while its checkpoint settled: it keeps the CLI.
    if (!force && this.inUse(sessionId)) return;
    const busy = this.deps.registry.get(sessionId)?.busy === true;
    await this.deps.registry.close(sessionId, busy ? 'kill' : 'graceful');
    const record = await this.deps.sessions.find(sessionId);
    try {
      await this.deps.sessions.transition(sessionId, 'hibernated', { from: ['idle'] });
      await this.deps.events.append(sessionId, [statusEvent(record?.turns ?? 0, 'hibernated')]);
    } catch {
      // queued again or terminated meanwhile: nothing to record
    }
    await this.letGo(sessionId);
  }

  /**
   * This worker is stopping: its running turns end here unfinished and go back to the queue, to
   * run again on another worker (as after a crash, but at once). Resolves when they have.
   */
  async handBack(sessionIds: readonly string[]): Promise<void> {
    await Promise.all(
      sessionIds.map(async (sessionId) => {
        if (!this.deps.registry.get(sessionId)?.busy) return;
        this.takenAway.set(sessionId, 'handback');
        await this.deps.registry.close(sessionId, 'kill');
      }),
    );
  }

  /** Another worker took the session's lease: its CLI here must stop, silently. */
  async leaseLost(sessionId: string): Promise<void> {
    this.takenAway.set(sessionId, 'lost');
    this.inTurn.delete(sessionId);
    this.deps.logger.warn({ sessionId }, 'session lease lost to another worker; stopping its CLI');
    await this.deps.registry.close(sessionId, 'kill');
    this.deps.checkpointer.forget(sessionId);
    await this.deps.control.unsubscribe(sessionId);
  }

  /** Stops the session's process at once (terminate from a client, a turn that cannot start). */
  async kill(sessionId: string): Promise<void> {
    await this.deps.registry.close(sessionId, 'kill');
    await this.letGo(sessionId);
  }

  /** This worker no longer holds the session: lease, control channel and cached state go. */
  async letGo(sessionId: string): Promise<void> {
    this.inTurn.delete(sessionId);
    this.deps.checkpoints.cancel(sessionId);
    await this.deps.leases.release(sessionId);
    this.deps.checkpointer.forget(sessionId);
    await this.deps.control.unsubscribe(sessionId);
  }

  /** A turn of this worker has the session, or is about to start on its CLI. */
  private inUse(sessionId: string): boolean {
    return this.inTurn.has(sessionId) || this.deps.registry.get(sessionId)?.busy === true;
  }
}
