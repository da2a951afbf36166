import type { SessionRecord } from '@app/contracts';
import type {
  SessionCheckpointer,
  TurnCheckpoint,
} from '../../../apps/worker/src/checkpoint/session-checkpointer';
import type { ResumePlan } from '../../../apps/worker/src/runtime/live-session-registry';

type Checkpointer = Pick<SessionCheckpointer, 'prepare' | 'checkpoint' | 'forget'>;

/**
 * The worker's checkpointer with the object store taken out: it resumes from the session's
 * Claude id, records what was checkpointed, and fails when told to (`failNext`).
 */
export class MemoryCheckpointer implements Checkpointer {
  readonly taken: Array<{ sessionId: string; turn: number }> = [];
  readonly forgotten: string[] = [];
  private failures: { prepare?: Error; checkpoint?: Error } = {};

  failNext(step: 'prepare' | 'checkpoint', error: Error): void {
    this.failures[step] = error;
  }

  async prepare(record: SessionRecord): Promise<ResumePlan> {
    this.throwIfFailing('prepare');
    return record.claudeSessionId ? { resume: record.claudeSessionId } : {};
  }

  async checkpoint(record: SessionRecord, turn: number): Promise<TurnCheckpoint | undefined> {
    this.throwIfFailing('checkpoint');
    this.taken.push({ sessionId: record.id, turn });
    const checkpointId = `${turn}`.padStart(64, '0');
    return { checkpointId, bytes: 100, storedBytes: 40, newBytes: 60, leftOut: [] };
  }

  forget(sessionId: string): void {
    this.forgotten.push(sessionId);
  }

  private throwIfFailing(step: 'prepare' | 'checkpoint'): void {
    const error = this.failures[step];
    this.failures[step] = undefined;
    if (error) throw error;
  }
}
