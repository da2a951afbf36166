import {
  CheckpointNotFound,
  ManifestUnreadable,
  ObjectCorrupted,
  ObjectMissing,
  RestoreMismatch,
} from '@app/checkpoint';
import type { ResultMessage } from '@app/claude';
import type { ControlAction, NewSessionEvent, SessionRecord, TurnJob } from '@app/contracts';
import type { TurnHandler, TurnOutcome } from '@app/queue';
import {
  IllegalTransition,
  type SessionControl,
  type SessionLeases,
  type SessionStore,
} from '@app/sessions';
import type { SessionEventLog } from '@app/stream';
import { SeedRejected, WorkspaceRestoreRefused } from '@app/workspace';
import type { Logger } from 'pino';
import type { SessionCheckpointer } from '../checkpoint/session-checkpointer';
import type { TurnCheckpoints } from '../checkpoint/turn-checkpoints';
import { CliExitedMidTurn } from '../runtime/live-session';
import type { LiveSessions, LiveTurns } from '../runtime/live-session-registry';
import { errorEvent, exitDetail, statusEvent } from './turn-events';
import { MAX_TURN_STARTS, unsafeToRepeat } from './turn-recovery';

/**
 * What a turn needs, each through the narrowest face of its repository, so the turn's state
 * machine can be specified with in-memory ones.
 */
export interface TurnRunnerDeps {
  sessions: Pick<SessionStore, 'find' | 'transition' | 'recordResult' | 'update'>;
  leases: Pick<SessionLeases, 'acquire' | 'release'>;
  /** Control requests: this worker hears those of the sessions it holds, and asks for others. */
  control: Pick<SessionControl, 'send' | 'subscribe' | 'unsubscribe'>;
  /** Appends events outside a live process's stream (status changes, errors); reads a turn's. */
  events: Pick<SessionEventLog, 'turnEvents'> & {
    append(sessionId: string, events: readonly NewSessionEvent[]): Promise<unknown>;
  };
  checkpointer: Pick<SessionCheckpointer, 'prepare' | 'forget' | 'discardLocal'>;
  /** The checkpoint after each turn, retried while the store is away. */
  checkpoints: Pick<TurnCheckpoints, 'afterTurn' | 'settle' | 'cancel'>;
  registry: LiveSessions;
  sessionIdleMs: number;
  /** Names this worker in the events that say it took a session over. */
  workerId: string;
  logger: Logger;
}

/**
 * Runs turn jobs: take the session (its lease), deliver the message to its CLI, stream until
 * `result`, record it, checkpoint, and hibernate the session once it has been idle a while.
 */
export class TurnRunner implements TurnHandler {
  /** Sessions another worker asked for: handed over as soon as their current turn ends. */
  private readonly releaseWanted = new Set<string>();
  /** Sessions whose running turn this worker gives back unfinished (it is stopping). */
  private readonly handingBack = new Set<string>();
  /** Sessions whose lease another worker took while this one was cut off from Redis. */
  private readonly lost = new Set<string>();

  constructor(private readonly deps: TurnRunnerDeps) {}

  /** A client's interrupt or terminate, or another worker's request for the session. */
  async control(sessionId: string, action: ControlAction): Promise<void> {
    if (action === 'interrupt') await this.deps.registry.get(sessionId)?.interrupt();
    else if (action === 'terminate') await this.kill(sessionId);
    else await this.release(sessionId);
  }

  async run(job: TurnJob): Promise<TurnOutcome> {
    const { sessions, leases } = this.deps;
    const record = await sessions.find(job.sessionId);
    if (!record) return { kind: 'skipped', reason: 'no such session' };
    const stale = staleJob(record, job);
    if (stale) return stale;
    if (!(await leases.acquire(job.sessionId))) {
      // Another worker holds its CLI: ask it to let go; the queue tries again shortly.
      await this.deps.control.send(job.sessionId, 'release');
      return { kind: 'handover' };
    }
    this.lost.delete(job.sessionId);
    const here = this.deps.registry.get(job.sessionId);
    if (here?.busy) {
      // A turn of this session runs here: the very same one (the queue delivered it twice after
      // a late lock renewal) finishes on its own; a later one waits for it.
      if (here.currentTurn === job.turn) {
        return { kind: 'skipped', reason: `turn ${job.turn} is running on this worker` };
      }
      return { kind: 'handover' };
    }
    if (record.status === 'running' && (record.runningTurn ?? job.turn) < job.turn) {
      // An earlier turn did not end: its worker is gone, and it runs again first (its job comes
      // back to the queue). Turns of a session run in order, so this one waits.
      await leases.release(job.sessionId);
      return { kind: 'handover' };
    }
    await this.deps.control.subscribe(job.sessionId);
    const rerun = record.status === 'running' && record.runningTurn === job.turn;
    const starts = rerun ? (record.turnStarts ?? 1) + 1 : 1;
    if (rerun) {
      const refused = await this.refuseRerun(job, starts);
      if (refused) return refused;
    }
    let live: LiveTurns;
    let lostTurns = 0;
    try {
      if (!rerun && here) live = here;
      else ({ live, lostTurns } = await this.open(record, rerun));
      this.deps.registry.cancelIdle(job.sessionId);
      const patch = { runningTurn: job.turn, turnStarts: starts };
      if (rerun) await sessions.update(job.sessionId, patch);
      else {
        await sessions.transition(job.sessionId, 'running', {
          from: ['queued', 'idle', 'hibernated'],
          patch,
        });
      }
    } catch (error) {
      // Nothing reached the CLI: give the session back and let the queue retry (or skip).
      await this.kill(job.sessionId);
      if (error instanceof IllegalTransition) return { kind: 'skipped', reason: error.message };
      if (isPermanent(error)) return this.failedToStart(job, error);
      throw error;
    }
    if (lostTurns > 0) await this.reportLostTurns(job, lostTurns);
    if (rerun) {
      await this.deps.events.append(job.sessionId, [
        {
          turn: job.turn,
          kind: 'status',
          data: { status: 'recovered', worker: this.deps.workerId },
        },
        {
          turn: job.turn,
          kind: 'turn_restarted',
          data: { turn: job.turn, attempt: starts, worker: this.deps.workerId },
        },
      ]);
    }
    await this.deps.events.append(job.sessionId, [statusEvent(job.turn, 'running')]);
    try {
      const result = await live.runTurn(job.turn, job.message);
      return await this.finish(job, live, result);
    } catch (error) {
      return this.fail(job, error);
    }
  }

  /**
   * The turn was running on a worker that is gone (or handed it back). It runs again from the
   * session's last checkpoint, unless it already ran a tool whose effects a re-run could repeat
   * (see turn-recovery.ts), or it has stopped its worker too often: then it fails, saying why.
   */
  private async refuseRerun(job: TurnJob, starts: number): Promise<TurnOutcome | undefined> {
    if (starts > MAX_TURN_STARTS) {
      return this.abandon(
        job,
        'turn_crashed',
        `turn ${job.turn} was started ${MAX_TURN_STARTS} times and stopped its worker each time; ` +
          'it is not started again. Send a message to go on from the last checkpoint.',
      );
    }
    const unsafe = unsafeToRepeat(await this.deps.events.turnEvents(job.sessionId, job.turn));
    if (unsafe.length === 0) return undefined;
    return this.abandon(
      job,
      'turn_lost',
      `the worker running turn ${job.turn} stopped after the turn had run ${unsafe.join(', ')}; ` +
        'running it again could repeat what that did, so it is not re-run. The session goes on ' +
        'from its last checkpoint: send the message again to retry it.',
    );
  }

  /** Gives up a turn that cannot run again: an error event, then the session reads failed. */
  private async abandon(job: TurnJob, code: string, message: string): Promise<TurnOutcome> {
    await this.deps.events.append(job.sessionId, [errorEvent(job.turn, code, message)]);
    await this.settle(job, 'failed', { lastError: message });
    await this.letGo(job.sessionId);
    await this.deps.checkpointer.discardLocal(job.sessionId);
    return { kind: 'failed', error: message };
  }

  /**
   * This worker is stopping: its running turns end here unfinished and go back to the queue, to
   * run again on another worker (as after a crash, but at once). Resolves when they have.
   */
  async handBack(sessionIds: readonly string[]): Promise<void> {
    await Promise.all(
      sessionIds.map(async (sessionId) => {
        if (!this.deps.registry.get(sessionId)?.busy) return;
        this.handingBack.add(sessionId);
        await this.deps.registry.close(sessionId, 'kill');
      }),
    );
  }

  /** Another worker took the session's lease: its CLI here must stop, silently. */
  async leaseLost(sessionId: string): Promise<void> {
    this.lost.add(sessionId);
    this.deps.logger.warn({ sessionId }, 'session lease lost to another worker; stopping its CLI');
    await this.deps.registry.close(sessionId, 'kill');
    this.deps.checkpointer.forget(sessionId);
    await this.deps.control.unsubscribe(sessionId);
  }

  /** The queue's last attempt failed before the CLI got the message. */
  async giveUp(job: TurnJob, error: unknown): Promise<void> {
    await this.failedToStart(job, error);
  }

  /**
   * Ends an idle session's process; its next message starts a new one with --resume. A busy
   * session is left alone unless `force` (worker shutdown), which ends its turn too.
   */
  async hibernate(sessionId: string, options: { force?: boolean } = {}): Promise<void> {
    const live = this.deps.registry.get(sessionId);
    if (live?.busy && !options.force) return;
    if (!(await this.deps.checkpoints.settle(sessionId))) {
      // Its newest turn is only here: keep the process (and the session) until the store
      // holds it. A stopping worker cannot wait; the turn is then reported lost on restore.
      if (!options.force) {
        this.deps.registry.scheduleIdle(
          sessionId,
          this.deps.sessionIdleMs,
          () => void this.hibernate(sessionId),
        );
        return;
      }
      this.deps.logger.warn({ sessionId }, 'hibernating with its newest turn not checkpointed');
    }
    await this.deps.registry.close(sessionId, live?.busy ? 'kill' : 'graceful');
    const record = await this.deps.sessions.find(sessionId);
    try {
      await this.deps.sessions.transition(sessionId, 'hibernated', { from: ['idle'] });
      await this.deps.events.append(sessionId, [statusEvent(record?.turns ?? 0, 'hibernated')]);
    } catch {
      // queued again or terminated meanwhile: nothing to record
    }
    await this.letGo(sessionId);
  }

  /** Another worker has a turn for this session: hibernate it now, or after its running turn. */
  private async release(sessionId: string): Promise<void> {
    if (this.deps.registry.get(sessionId)?.busy) this.releaseWanted.add(sessionId);
    else await this.hibernate(sessionId);
  }

  /**
   * Finished turns that no checkpoint held (the store was away and the worker that had them is
   * gone): the session goes on without them, and says so before the next turn runs.
   */
  private async reportLostTurns(job: TurnJob, count: number): Promise<void> {
    const message =
      `the last ${count === 1 ? 'turn' : `${count} turns`} of this session could not be restored: ` +
      'no checkpoint holds them (the object store was unavailable when they ended) and the worker ' +
      'that had them is gone. The session goes on from its last checkpoint, without them.';
    this.deps.logger.warn({ sessionId: job.sessionId, lostTurns: count }, 'turns lost');
    await this.deps.events.append(job.sessionId, [
      errorEvent(job.turn, 'turns_lost', message, { count }),
    ]);
  }

  /** Starts the session's CLI; for a re-run, from the store's copy of its files. */
  private async open(
    record: SessionRecord,
    fresh: boolean,
  ): Promise<{ live: LiveTurns; lostTurns: number }> {
    if (fresh) {
      await this.deps.registry.close(record.id, 'kill');
      await this.deps.checkpointer.discardLocal(record.id);
    }
    const plan = await this.deps.checkpointer.prepare(record);
    const live = await this.deps.registry.open(record, plan);
    void live.done.then((exit) =>
      this.deps.logger.debug(
        { sessionId: record.id, exit: { code: exit.code, reason: exit.reason } },
        'cli exited',
      ),
    );
    return { live, lostTurns: plan.lostTurns ?? 0 };
  }

  private async finish(job: TurnJob, live: LiveTurns, result: ResultMessage): Promise<TurnOutcome> {
    // The result line must be readable before the status says idle.
    await live.flushEvents();
    const usage = result.usage ?? {};
    await this.deps.sessions.recordResult(job.sessionId, {
      inputTokens: usage.input_tokens ?? 0,
      outputTokens: usage.output_tokens ?? 0,
      cacheCreationTokens: usage.cache_creation_input_tokens ?? 0,
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      costUsd: live.costOf(result),
      claudeSessionId: live.claudeSessionId,
    });
    await this.deps.checkpoints.afterTurn(job.sessionId, job.turn);
    await this.settle(
      job,
      'idle',
      result.is_error ? { lastError: describeResultError(result) } : {},
    );
    if (this.releaseWanted.delete(job.sessionId)) await this.hibernate(job.sessionId);
    else {
      this.deps.registry.scheduleIdle(
        job.sessionId,
        this.deps.sessionIdleMs,
        () => void this.hibernate(job.sessionId),
      );
    }
    return { kind: 'done', subtype: result.subtype, isError: result.is_error === true };
  }

  /**
   * The turn cannot start (its checkpoint is corrupted or gone, retries are spent): the session
   * fails with an error event that says why, so waiting clients learn it at once.
   */
  private async failedToStart(job: TurnJob, error: unknown): Promise<TurnOutcome> {
    const message = error instanceof Error ? error.message : String(error);
    await this.deps.events.append(job.sessionId, [errorEvent(job.turn, 'start_failed', message)]);
    try {
      await this.deps.sessions.transition(job.sessionId, 'failed', {
        patch: { lastError: message, settledTurn: job.turn },
      });
      await this.deps.events.append(job.sessionId, [statusEvent(job.turn, 'failed')]);
    } catch {
      // terminated meanwhile
    }
    return { kind: 'failed', error: message };
  }

  private async fail(job: TurnJob, error: unknown): Promise<TurnOutcome> {
    const { sessionId } = job;
    if (this.lost.delete(sessionId)) return { kind: 'skipped', reason: 'lease lost' };
    if (this.handingBack.delete(sessionId)) return this.handedBack(job);
    const message = error instanceof Error ? error.message : String(error);
    const detail = error instanceof CliExitedMidTurn ? exitDetail(error.exit) : {};
    // Closing first also flushes the process's last lines, so the error event comes after them.
    await this.deps.registry.close(sessionId, 'kill');
    const current = await this.deps.sessions.find(sessionId);
    if (current?.status !== 'terminated') {
      await this.deps.events.append(sessionId, [
        errorEvent(job.turn, 'cli_failed', message, detail),
      ]);
      await this.settle(job, 'failed', { lastError: message });
    }
    await this.letGo(sessionId);
    return { kind: 'failed', error: message };
  }

  /** A turn given back unfinished: not counted as a start (it did not crash), free for anyone. */
  private async handedBack(job: TurnJob): Promise<TurnOutcome> {
    const record = await this.deps.sessions.find(job.sessionId);
    await this.deps.sessions.update(job.sessionId, {
      turnStarts: Math.max(0, (record?.turnStarts ?? 1) - 1),
    });
    await this.deps.events.append(job.sessionId, [
      {
        turn: job.turn,
        kind: 'status',
        data: { status: 'handed_back', worker: this.deps.workerId },
      },
    ]);
    await this.letGo(job.sessionId);
    return { kind: 'handback' };
  }

  /** Moves running → status unless the session was terminated meanwhile; the turn is over. */
  private async settle(
    job: TurnJob,
    status: 'idle' | 'failed',
    patch: Partial<SessionRecord>,
  ): Promise<void> {
    try {
      await this.deps.sessions.transition(job.sessionId, status, {
        from: ['running'],
        patch: { ...patch, settledTurn: job.turn },
      });
      await this.deps.events.append(job.sessionId, [statusEvent(job.turn, status)]);
    } catch (error) {
      this.deps.logger.debug({ sessionId: job.sessionId, err: error }, 'status not changed');
    }
  }

  /** Stops the session's process at once (terminate from a client). */
  private async kill(sessionId: string): Promise<void> {
    await this.deps.registry.close(sessionId, 'kill');
    await this.letGo(sessionId);
  }

  /** This worker no longer holds the session: lease, control channel and cached state go. */
  private async letGo(sessionId: string): Promise<void> {
    this.deps.checkpoints.cancel(sessionId);
    await this.deps.leases.release(sessionId);
    this.deps.checkpointer.forget(sessionId);
    await this.deps.control.unsubscribe(sessionId);
  }
}

/** A job that must not run: its session is gone or closed, or its turn already ran. */
function staleJob(record: SessionRecord, job: TurnJob): TurnOutcome | undefined {
  if (record.tenant !== job.tenant) return { kind: 'skipped', reason: 'no such session' };
  if (record.status === 'terminated') return { kind: 'skipped', reason: 'terminated' };
  if (job.turn <= (record.settledTurn ?? 0)) {
    return { kind: 'skipped', reason: `turn ${job.turn} already ran` };
  }
  return undefined;
}

function describeResultError(result: ResultMessage): string {
  if (typeof result.result === 'string' && result.result) return result.result.slice(0, 500);
  return (result.errors ?? [result.subtype]).join('; ').slice(0, 500);
}

/** Failures a retry cannot fix: the checkpoint to restore is corrupted or gone, a bad seed. */
function isPermanent(error: unknown): boolean {
  return (
    error instanceof SeedRejected ||
    error instanceof WorkspaceRestoreRefused ||
    error instanceof ObjectCorrupted ||
    error instanceof ObjectMissing ||
    error instanceof CheckpointNotFound ||
    error instanceof RestoreMismatch ||
    error instanceof ManifestUnreadable
  );
}
