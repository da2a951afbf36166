import type { SessionRecord } from '@app/contracts';
import type {
  SessionCheckpointer,
  TurnCheckpoint,
} from '../../../apps/worker/src/checkpoint/session-checkpointer';
import type { ResumePlan } from '../../../apps/worker/src/runtime/live-session-registry';

type Checkpointer = Pick<SessionCheckpointer, 'prepare' | 'checkpoint' | 'forget' | 'discardLocal'>;

/**
 * The worker's checkpointer with the object store taken out: it resumes from the session's
 * Claude id, records what was checkpointed, and fails when told to (`failNext`).
 */
export class MemoryCheckpointer implements Checkpointer {
  readonly taken: Array<{ sessionId: string; turn: number }> = [];
  readonly forgotten: string[] = [];
  readonly discarded: string[] = [];
  private failures: { prepare?: Error; checkpoint?: Error } = {};
  /** Set: every checkpoint fails with it (the object store is away) until cleared. */
  unavailable: Error | undefined;
  /** Finished turns the next prepare() finds missing from the store (see ResumePlan). */
  lostTurns = 0;

  failNext(step: 'prepare' | 'checkpoint', error: Error): void {
    this.failures[step] = error;
  }

  async prepare(record: SessionRecord): Promise<ResumePlan> {
    this.throwIfFailing('prepare');
    const plan: ResumePlan = record.claudeSessionId ? { resume: record.claudeSessionId } : {};
    const lostTurns = this.lostTurns;
    this.lostTurns = 0;
    return lostTurns > 0 ? { ...plan, lostTurns } : plan;
  }

  async checkpoint(record: SessionRecord, turn: number): Promise<TurnCheckpoint | undefined> {
    this.throwIfFailing('checkpoint');
    if (this.unavailable) throw this.unavailable;
    this.taken.push({ sessionId: record.id, turn });
    const checkpointId = `${turn}`.padStart(64, '0');
    return { checkpointId, bytes: 100, storedBytes: 40, newBytes: 60, leftOut: [] };
  }

  forget(sessionId: string): void {
    this.forgotten.push(sessionId);
  }

  async discardLocal(sessionId: string): Promise<void> {
    this.discarded.push(sessionId);
  }

  private throwIfFailing(step: 'prepare' | 'checkpoint'): void {
    const error = this.failures[step];
    this.failures[step] = undefined;
    if (error) throw error;
  }
}
