import type { Logger } from 'pino';
import type { NewSessionEvent } from '@app/contracts';
import type { SessionStore } from '@app/sessions';
import type { SessionCheckpointer, TurnCheckpoint } from './session-checkpointer';

export interface TurnCheckpointsDeps {
  sessions: Pick<SessionStore, 'find'>;
  checkpointer: Pick<SessionCheckpointer, 'checkpoint'>;
  events: { append(sessionId: string, events: readonly NewSessionEvent[]): Promise<unknown> };
  /** A checkpoint is taken only between turns: while one runs its files are half-written. */
  busy(sessionId: string): boolean;
  logger: Logger;
  /** First wait before retrying a failed checkpoint; doubles up to retryMaxMs. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** Workspace paths a checkpoint event lists; the count says how many more there were. */
const MAX_LEFT_OUT_LISTED = 50;

/**
 * The checkpoint after each turn, which is what lets any worker continue the session. A store
 * outage costs the checkpoint, never the turn: the failure is reported at once, and the
 * checkpoint is retried in the background (with backoff) while this worker still holds the
 * session and no turn runs, until it succeeds or a later turn's checkpoint supersedes it.
 * `settle()` is how hibernation and hand-over wait for it rather than lose the turn.
 */
export class TurnCheckpoints {
  /** Sessions whose newest finished turn no checkpoint holds yet, and their retry. */
  private readonly pending = new Map<
    string,
    { turn: number; delayMs: number; timer?: NodeJS.Timeout }
  >();

  constructor(private readonly deps: TurnCheckpointsDeps) {}

  /** Checkpoints the turn just finished; on failure, reports it and keeps retrying. */
  async afterTurn(sessionId: string, turn: number): Promise<void> {
    this.cancel(sessionId);
    if (await this.attempt(sessionId, turn, false)) return;
    this.pending.set(sessionId, { turn, delayMs: this.deps.retryMinMs ?? 1_000 });
    this.schedule(sessionId);
  }

  /** True once the session's newest turn is in a checkpoint (trying a pending one now). */
  async settle(sessionId: string): Promise<boolean> {
    const entry = this.pending.get(sessionId);
    if (!entry) return true;
    clearTimeout(entry.timer);
    if (await this.attempt(sessionId, entry.turn, true)) {
      this.pending.delete(sessionId);
      return true;
    }
    this.schedule(sessionId);
    return false;
  }

  /** Whether a turn of the session waits for its checkpoint. */
  has(sessionId: string): boolean {
    return this.pending.has(sessionId);
  }

  /** Stops retrying (the session left this worker, or a newer checkpoint is on its way). */
  cancel(sessionId: string): void {
    clearTimeout(this.pending.get(sessionId)?.timer);
    this.pending.delete(sessionId);
  }

  private schedule(sessionId: string): void {
    const entry = this.pending.get(sessionId);
    if (!entry) return;
    entry.timer = setTimeout(() => void this.retry(sessionId), entry.delayMs);
    entry.timer.unref();
    entry.delayMs = Math.min(entry.delayMs * 2, this.deps.retryMaxMs ?? 30_000);
  }

  private async retry(sessionId: string): Promise<void> {
    const entry = this.pending.get(sessionId);
    if (!entry) return;
    // A running turn ends with its own checkpoint, which covers this one.
    if (this.deps.busy(sessionId)) return this.schedule(sessionId);
    if (await this.attempt(sessionId, entry.turn, true)) {
      if (this.pending.get(sessionId) === entry) this.pending.delete(sessionId);
    } else {
      this.schedule(sessionId);
    }
  }

  /** One try; reports the outcome as an event. A retry that fails again stays quiet. */
  private async attempt(sessionId: string, turn: number, retry: boolean): Promise<boolean> {
    let created: TurnCheckpoint | undefined;
    try {
      const record = await this.deps.sessions.find(sessionId);
      created = record && (await this.deps.checkpointer.checkpoint(record, turn));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.logger.warn({ sessionId, turn, err: message, retry }, 'checkpoint failed');
      if (!retry) {
        await this.deps.events.append(sessionId, [
          {
            turn,
            kind: 'error',
            data: {
              code: 'checkpoint_failed',
              message: `${message}; retrying in the background (the turn stays on this worker meanwhile)`,
            },
          },
        ]);
      }
      return false;
    }
    if (created) await this.deps.events.append(sessionId, [checkpointEvent(turn, created, retry)]);
    return true;
  }
}

function checkpointEvent(turn: number, c: TurnCheckpoint, retried: boolean): NewSessionEvent {
  const workspace = c.workspace && {
    ...c.workspace,
    // What the checkpoint does not hold, so the client is not surprised after a restore.
    leftOut: c.leftOut.slice(0, MAX_LEFT_OUT_LISTED),
    leftOutCount: c.leftOut.length,
  };
  const { checkpointId, bytes, storedBytes, newBytes } = c;
  return {
    turn,
    kind: 'checkpoint',
    data: {
      checkpointId,
      bytes,
      storedBytes,
      newBytes,
      workspace,
      ...(retried ? { retried } : {}),
    },
  };
}
