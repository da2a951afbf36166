import {
  CheckpointNotFound,
  ManifestUnreadable,
  ObjectCorrupted,
  ObjectMissing,
  RestoreMismatch,
} from '@app/checkpoint';
import { isNotLoggedIn, type ResultMessage } from '@app/claude';
import {
  reportedErrors,
  TURN_ACTIVE_STATUSES,
  type NewSessionEvent,
  type SessionRecord,
  type TurnJob,
} from '@app/contracts';
import type { TurnConsumer, TurnHandler, TurnOutcome } from '@app/queue';
import {
  IllegalTransition,
  type Approvals,
  type SessionStore,
  type TenantQuotaStore,
} from '@app/sessions';
import type { SessionEventLog } from '@app/stream';
import { activeTraceId, inSpan } from '@app/tracing';
import { SeedRejected, WorkspaceRestoreRefused } from '@app/workspace';
import type { Logger } from 'pino';
import type { SessionCheckpointer } from '../checkpoint/session-checkpointer';
import type { TurnCheckpoints } from '../checkpoint/turn-checkpoints';
import { CliExitedMidTurn } from '../runtime/live-session';
import type { LiveSessions, LiveTurns } from '../runtime/live-session-registry';
import type { SessionHolds } from './session-holds';
import { metered, type TurnMeter } from './turn-metrics';
import type { TurnBudget, TurnBudgets } from './turn-budget';
import { errorEvent, exitDetail, statusEvent } from './turn-events';
import { MAX_TURN_STARTS, unsafeToRepeat } from './turn-recovery';
import { inTurnScope, outsideTheTurn } from './turn-scope';

/**
 * What a turn needs, each through the narrowest face of its repository, so the turn's state
 * machine can be specified with in-memory ones.
 */
export interface TurnRunnerDeps {
  sessions: Pick<SessionStore, 'find' | 'transition' | 'recordResult' | 'update'>;
  /** This worker's hold on sessions: taking one, keeping it, letting it go. */
  holds: Pick<SessionHolds, 'take' | 'putBack' | 'turnEnded' | 'takenAwayFrom' | 'kill' | 'letGo'>;
  /** Appends events outside a live process's stream (status changes, errors); reads a turn's. */
  events: Pick<SessionEventLog, 'turnEvents'> & {
    append(sessionId: string, events: readonly NewSessionEvent[]): Promise<unknown>;
  };
  checkpointer: Pick<SessionCheckpointer, 'prepare' | 'discardLocal'>;
  /** Permission prompts a crashed attempt left open: a re-run asks again, under new ids. */
  approvals: Pick<Approvals, 'clear'>;
  /** The checkpoint after each turn, retried while the store is away. */
  checkpoints: Pick<TurnCheckpoints, 'afterTurn'>;
  registry: LiveSessions;
  /** Spend caps and usage accounting (absent: turns are neither capped nor accounted). */
  budgets?: Pick<TurnBudgets, 'open'>;
  /** The tenant's queued-turn count (maxQueuedTurns): a turn taken from the queue leaves it. */
  quotas?: Pick<TenantQuotaStore, 'turnsLeft'>;
  /** Whether a turn's job has yet to run, for the session's order (absent: not checked). */
  queue?: Pick<TurnConsumer, 'turnPending'>;
  /** Counts started turns and how they ended (absent: not counted). */
  metrics?: TurnMeter;
  /** Names this worker in the events that say it took a session over. */
  workerId: string;
  logger: Logger;
}

/**
 * Runs turn jobs: take the session, deliver the message to its CLI, stream until `result`,
 * record it and checkpoint; a turn whose worker died runs again here (or fails, saying why).
 */
export class TurnRunner implements TurnHandler {
  constructor(private readonly deps: TurnRunnerDeps) {}

  /**
   * Sessions with a turn under way on this worker (from the job's start to its outcome). A job whose lock renewal came late (an event loop held up under load) is handed
   * out again while its first delivery may still be starting the turn, before the CLI reads
   * busy: the second delivery must not start, fail or kill anything under the first. It comes
   * back shortly instead (not `skipped`: the first may yet hand the turn back, and a completed
   * job would then leave the session queued forever); by then the turn ran, or it is free.
   * A later turn of the session waits the same way.
   */
  private readonly underWay = new Set<string>();

  async run(job: TurnJob): Promise<TurnOutcome> {
    if (this.underWay.has(job.sessionId)) return { kind: 'handover' };
    this.underWay.add(job.sessionId);
    try {
      return await inTurnScope(job, () => this.runLogged(job));
    } finally {
      this.underWay.delete(job.sessionId);
    }
  }

  /**
   * An operator reads one line when a turn starts to run and one when it ends (a failed turn at
   * error level, with why); hand-overs and skips, which are routine, at debug.
   */
  private async runLogged(job: TurnJob): Promise<TurnOutcome> {
    const started = Date.now();
    const { logger } = this.deps;
    let outcome: TurnOutcome;
    try {
      outcome = await this.runAlone(job);
    } catch (error) {
      logger.warn({ err: error }, 'turn could not start; the queue tries it again');
      throw error;
    }
    const ms = Date.now() - started;
    if (outcome.kind === 'failed') logger.error({ ms, error: outcome.error }, 'turn failed');
    else if (outcome.kind === 'done') {
      const { subtype, isError } = outcome;
      if (isError) logger.warn({ ms, subtype }, 'turn finished with an error result');
      else logger.info({ ms, subtype }, 'turn finished');
    } else logger.debug({ ms, outcome }, 'turn not run here');
    return outcome;
  }

  private async runAlone(job: TurnJob): Promise<TurnOutcome> {
    const { sessions, holds } = this.deps;
    await this.deps.quotas?.turnsLeft(job.tenant, job.sessionId, [job.turn]);
    const record = await sessions.find(job.sessionId);
    if (!record) return { kind: 'skipped', reason: 'no such session' };
    const stale = staleJob(record, job);
    if (stale) return stale;
    // Turns of a session start in order: one that came before its predecessor waits for it.
    if (await this.predecessorPending(record, job)) return { kind: 'handover' };
    // Held by another worker, which was asked to let go: the queue tries again shortly.
    if (!(await holds.take(job.sessionId))) return { kind: 'handover' };
    const here = this.deps.registry.get(job.sessionId);
    if (here?.busy) {
      // A turn of this session runs here: the very same one (the queue delivered it twice after
      // a late lock renewal) finishes on its own; a later one waits for it.
      if (here.currentTurn === job.turn) {
        return { kind: 'skipped', reason: `turn ${job.turn} is running on this worker` };
      }
      return { kind: 'handover' };
    }
    const active = TURN_ACTIVE_STATUSES.includes(record.status);
    if (active && (record.runningTurn ?? job.turn) < job.turn) {
      // An earlier turn did not end: its worker is gone, and it runs again first (its job comes
      // back to the queue). Turns of a session run in order, so this one waits.
      await holds.putBack(job.sessionId);
      return { kind: 'handover' };
    }
    const rerun = active && record.runningTurn === job.turn;
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
      const patch = { runningTurn: job.turn, turnStarts: starts, stopReason: '' };
      if (rerun) {
        // The attempt that died may have been waiting for an approval: the re-run asks again.
        await this.deps.approvals.clear(job.sessionId);
        if (record.status === 'waiting') {
          await sessions.transition(job.sessionId, 'running', { from: ['waiting'], patch });
        } else await sessions.update(job.sessionId, patch);
      } else {
        await sessions.transition(job.sessionId, 'running', {
          from: ['queued', 'idle', 'hibernated'],
          patch,
        });
      }
    } catch (error) {
      // Nothing reached the CLI: give the session back and let the queue retry (or skip).
      await holds.kill(job.sessionId);
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
    // The trace id (when tracing is on) goes to the client with the turn's first status.
    const traceId = activeTraceId();
    await this.deps.events.append(job.sessionId, [
      statusEvent(job.turn, 'running', traceId ? { traceId } : undefined),
    ]);
    this.deps.logger.info({ rerun, starts }, 'turn running');
    const ended = this.deps.metrics?.turnStarted(job.tenant);
    try {
      const budget = await this.deps.budgets?.open(record, job.turn, live);
      const result = await inSpan('cli turn', {}, async (span) => {
        const done = await live.runTurn(job.turn, job.message, budget?.watch);
        span.setAttribute('csb.result.subtype', done.subtype);
        return done;
      });
      return metered(await this.finish(job, live, result, budget), ended);
    } catch (error) {
      return metered(await this.fail(job, error), ended);
    }
  }

  /**
   * Whether the session's previous turn has yet to start: the record says it neither started,
   * ended nor was dropped, and its job still waits in the queue or was only just taken. Fair
   * dispatch, a hand-over's retry or a crashed worker's job coming back can each bring a turn to
   * a worker before the one before it; a job that is gone (dropped) holds nothing up.
   */
  private async predecessorPending(record: SessionRecord, job: TurnJob): Promise<boolean> {
    const before = job.turn - 1;
    if (before < 1 || !this.deps.queue) return false;
    const { runningTurn = 0, settledTurn = 0, droppedThrough = 0 } = record;
    if (Math.max(runningTurn, settledTurn, droppedThrough) >= before) return false;
    return this.deps.queue.turnPending(job.sessionId, before);
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
    // The local copy goes while the lease is still ours: once the session reads failed, its next
    // turn may start (here or on a worker sharing this data dir) and restore into that folder.
    await this.deps.checkpointer.discardLocal(job.sessionId);
    await this.settle(job, 'failed', { lastError: message });
    await this.deps.holds.letGo(job.sessionId);
    return { kind: 'failed', error: message };
  }

  /** The queue's last attempt failed before the CLI got the message. */
  async giveUp(job: TurnJob, error: unknown): Promise<void> {
    await this.failedToStart(job, error);
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
    const plan = await inSpan('checkpoint restore', {}, () =>
      this.deps.checkpointer.prepare(record),
    );
    // The CLI serves the session's later turns too: it starts outside this turn's trace and logs.
    const live = await inSpan('cli start', {}, () =>
      outsideTheTurn(async () => {
        const opened = await this.deps.registry.open(record, plan);
        void opened.done.then((exit) =>
          this.deps.logger.debug(
            { sessionId: record.id, exit: { code: exit.code, reason: exit.reason } },
            'cli exited',
          ),
        );
        return opened;
      }),
    );
    return { live, lostTurns: plan.lostTurns ?? 0 };
  }

  private async finish(
    job: TurnJob,
    live: LiveTurns,
    result: ResultMessage,
    budget?: TurnBudget,
  ): Promise<TurnOutcome> {
    // The result line must be readable before the status says idle.
    await live.flushEvents();
    const costUsd = live.costOf(result);
    // Accounted in the tenant's usage, and stopped by a budget or not.
    const spent = await budget?.settle(result, costUsd);
    const usage = spent?.usage ?? result.usage ?? {};
    await this.deps.sessions.recordResult(job.sessionId, {
      inputTokens: usage.input_tokens ?? 0,
      outputTokens: usage.output_tokens ?? 0,
      cacheCreationTokens: usage.cache_creation_input_tokens ?? 0,
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      costUsd,
      claudeSessionId: live.claudeSessionId,
    });
    if (spent?.stop) await this.deps.events.append(job.sessionId, [spent.stop.event]);
    await inSpan('checkpoint', {}, () => this.deps.checkpoints.afterTurn(job.sessionId, job.turn));
    const noCredentials = isNotLoggedIn(result);
    if (noCredentials) await this.reportNoCredentials(job);
    await this.settle(
      job,
      'idle',
      spent?.stop
        ? { lastError: spent.stop.message, stopReason: 'budget_exceeded' }
        : result.is_error
          ? { lastError: noCredentials ? NO_CREDENTIALS : describeResultError(result) }
          : {},
    );
    await this.deps.holds.turnEnded(job.sessionId);
    return { kind: 'done', subtype: result.subtype, isError: result.is_error === true };
  }

  /**
   * The CLI found no Anthropic credentials and told the client to "run /login", which nobody
   * can on a hosted backend: the operator is told (the log carries no secret: there is none),
   * and the client gets an error event that says whose move it is.
   */
  private async reportNoCredentials(job: TurnJob): Promise<void> {
    this.deps.logger.error(
      { sessionId: job.sessionId, turn: job.turn },
      'the CLI has no Anthropic credentials (it answered "Not logged in"): set ANTHROPIC_API_KEY ' +
        'on the workers, or pass ANTHROPIC_AUTH_TOKEN through CLAUDE_ENV_PASSTHROUGH',
    );
    await this.deps.events.append(job.sessionId, [
      errorEvent(job.turn, 'no_credentials', NO_CREDENTIALS),
    ]);
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
    const takenAway = this.deps.holds.takenAwayFrom(sessionId);
    if (takenAway === 'lost') return { kind: 'skipped', reason: 'lease lost' };
    if (takenAway === 'handback') return this.handedBack(job);
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
    await this.deps.holds.letGo(sessionId);
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
    await this.deps.holds.letGo(job.sessionId);
    return { kind: 'handback' };
  }

  /** Moves running (or waiting) → status unless the session was terminated meanwhile. */
  private async settle(
    job: TurnJob,
    status: 'idle' | 'failed',
    patch: Partial<SessionRecord>,
  ): Promise<void> {
    try {
      await this.deps.sessions.transition(job.sessionId, status, {
        from: [...TURN_ACTIVE_STATUSES],
        patch: { ...patch, settledTurn: job.turn },
      });
      // Why the turn ended badly, on the status itself: a client (or a webhook, which carries
      // the status event's data) need not look the session up to learn it.
      const detail = patch.lastError ? { error: patch.lastError } : undefined;
      await this.deps.events.append(job.sessionId, [statusEvent(job.turn, status, detail)]);
    } catch (error) {
      this.deps.logger.debug({ sessionId: job.sessionId, err: error }, 'status not changed');
    }
  }
}

/** A job that must not run: its session is gone or closed, or its turn already ran. */
function staleJob(record: SessionRecord, job: TurnJob): TurnOutcome | undefined {
  if (record.tenant !== job.tenant) return { kind: 'skipped', reason: 'no such session' };
  if (record.status === 'terminated') return { kind: 'skipped', reason: 'terminated' };
  if (job.turn <= (record.settledTurn ?? 0)) {
    return { kind: 'skipped', reason: `turn ${job.turn} already ran` };
  }
  if (job.turn <= (record.droppedThrough ?? 0) && job.turn > (record.runningTurn ?? 0)) {
    return { kind: 'skipped', reason: `turn ${job.turn} was dropped by an interrupt` };
  }
  return undefined;
}

/** What a client of a hosted backend is told in place of the CLI's "Please run /login". */
export const NO_CREDENTIALS =
  'The worker has no Anthropic credentials: the operator must set ANTHROPIC_API_KEY on the ' +
  'workers (or pass ANTHROPIC_AUTH_TOKEN through CLAUDE_ENV_PASSTHROUGH); nothing in the ' +
  'session needs to change. ' +
  'Send the message again once they are set.';

function describeResultError(result: ResultMessage): string {
  if (typeof result.result === 'string' && result.result) return result.result.slice(0, 500);
  const errors = reportedErrors(result.errors);
  if (errors.length > 0) return errors.join('; ').slice(0, 500);
  if (result.subtype === 'error_during_execution') {
    return 'the turn stopped before it finished (it was interrupted, or the CLI hit an error)';
  }
  return result.subtype;
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
