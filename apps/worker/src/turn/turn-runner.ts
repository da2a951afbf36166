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
import { SeedRejected, WorkspaceRestoreRefused } from '@app/workspace';
import type { Logger } from 'pino';
import type { SessionCheckpointer } from '../checkpoint/session-checkpointer';
import { CliExitedMidTurn } from '../runtime/live-session';
import type { LiveSessions, LiveTurns } from '../runtime/live-session-registry';
import { errorEvent, exitDetail, statusEvent } from './turn-events';

/**
 * What a turn needs, each through the narrowest face of its repository, so the turn's state
 * machine can be specified with in-memory ones.
 */
export interface TurnRunnerDeps {
  sessions: Pick<SessionStore, 'find' | 'transition' | 'recordResult'>;
  leases: Pick<SessionLeases, 'acquire' | 'release'>;
  /** Control requests: this worker hears those of the sessions it holds, and asks for others. */
  control: Pick<SessionControl, 'send' | 'subscribe' | 'unsubscribe'>;
  /** Appends events outside a live process's stream (status changes, errors). */
  events: { append(sessionId: string, events: readonly NewSessionEvent[]): Promise<unknown> };
  checkpointer: Pick<SessionCheckpointer, 'prepare' | 'checkpoint' | 'forget'>;
  registry: LiveSessions;
  sessionIdleMs: number;
  logger: Logger;
}

const MAX_LEFT_OUT_LISTED = 50;

/**
 * Runs turn jobs: take the session (its lease), deliver the message to its CLI, stream until
 * `result`, record it, checkpoint, and hibernate the session once it has been idle a while.
 */
export class TurnRunner implements TurnHandler {
  /** Sessions another worker asked for: handed over as soon as their current turn ends. */
  private readonly releaseWanted = new Set<string>();

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
    if (!record || record.tenant !== job.tenant) {
      return { kind: 'skipped', reason: 'no such session' };
    }
    if (record.status === 'terminated') return { kind: 'skipped', reason: 'terminated' };
    if (!(await leases.acquire(job.sessionId))) {
      // Another worker holds its CLI: ask it to let go; the queue tries again shortly.
      await this.deps.control.send(job.sessionId, 'release');
      return { kind: 'handover' };
    }
    await this.deps.control.subscribe(job.sessionId);
    let live: LiveTurns;
    try {
      live = this.deps.registry.get(job.sessionId) ?? (await this.open(record));
      this.deps.registry.cancelIdle(job.sessionId);
      await sessions.transition(job.sessionId, 'running', {
        from: ['queued', 'idle', 'hibernated', 'running'],
      });
    } catch (error) {
      // Nothing reached the CLI: give the session back and let the queue retry (or skip).
      await this.kill(job.sessionId);
      if (error instanceof IllegalTransition) return { kind: 'skipped', reason: error.message };
      if (isPermanent(error)) return this.failedToStart(job, error);
      throw error;
    }
    await this.deps.events.append(job.sessionId, [statusEvent(job.turn, 'running')]);
    try {
      const result = await live.runTurn(job.turn, job.message);
      return await this.finish(job, live, result);
    } catch (error) {
      return this.fail(job, error);
    }
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

  private async open(record: SessionRecord): Promise<LiveTurns> {
    const plan = await this.deps.checkpointer.prepare(record);
    const live = await this.deps.registry.open(record, plan);
    void live.done.then((exit) =>
      this.deps.logger.debug(
        { sessionId: record.id, exit: { code: exit.code, reason: exit.reason } },
        'cli exited',
      ),
    );
    return live;
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
    await this.checkpoint(job);
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
        patch: { lastError: message },
      });
      await this.deps.events.append(job.sessionId, [statusEvent(job.turn, 'failed')]);
    } catch {
      // terminated meanwhile
    }
    return { kind: 'failed', error: message };
  }

  /**
   * The automatic checkpoint after each turn, before the session reads idle (so a client that
   * sees idle finds the checkpoint). A store outage costs the checkpoint, never the session.
   */
  private async checkpoint(job: TurnJob): Promise<void> {
    try {
      const record = await this.deps.sessions.find(job.sessionId);
      const created = record && (await this.deps.checkpointer.checkpoint(record, job.turn));
      if (!created) return;
      const { checkpointId, bytes, storedBytes, newBytes, leftOut } = created;
      const workspace = created.workspace && {
        ...created.workspace,
        // What the checkpoint does not hold, so the client is not surprised after a restore.
        leftOut: leftOut.slice(0, MAX_LEFT_OUT_LISTED),
        leftOutCount: leftOut.length,
      };
      await this.deps.events.append(job.sessionId, [
        {
          turn: job.turn,
          kind: 'checkpoint',
          data: { checkpointId, bytes, storedBytes, newBytes, workspace },
        },
      ]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.logger.warn({ sessionId: job.sessionId, err: message }, 'checkpoint failed');
      await this.deps.events.append(job.sessionId, [
        errorEvent(job.turn, 'checkpoint_failed', message),
      ]);
    }
  }

  private async fail(job: TurnJob, error: unknown): Promise<TurnOutcome> {
    const message = error instanceof Error ? error.message : String(error);
    const detail = error instanceof CliExitedMidTurn ? exitDetail(error.exit) : {};
    // Closing first also flushes the process's last lines, so the error event comes after them.
    await this.deps.registry.close(job.sessionId, 'kill');
    const current = await this.deps.sessions.find(job.sessionId);
    if (current?.status !== 'terminated') {
      await this.deps.events.append(job.sessionId, [
        errorEvent(job.turn, 'cli_failed', message, detail),
      ]);
      await this.settle(job, 'failed', { lastError: message });
    }
    await this.letGo(job.sessionId);
    return { kind: 'failed', error: message };
  }

  /** Moves running → status unless the session was terminated meanwhile. */
  private async settle(
    job: TurnJob,
    status: 'idle' | 'failed',
    patch: Partial<SessionRecord>,
  ): Promise<void> {
    try {
      await this.deps.sessions.transition(job.sessionId, status, { from: ['running'], patch });
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
    await this.deps.leases.release(sessionId);
    this.deps.checkpointer.forget(sessionId);
    await this.deps.control.unsubscribe(sessionId);
  }
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
