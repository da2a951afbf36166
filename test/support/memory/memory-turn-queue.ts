import type { TurnJob } from '@app/contracts';
import type { TurnQueue } from '@app/queue';

type Queue = Pick<TurnQueue, 'enqueue' | 'dropWaiting'>;

/** The turn queue's producer side in memory: jobs wait here until a spec takes them. */
export class MemoryTurnQueue implements Queue {
  readonly waiting: TurnJob[] = [];

  async enqueue(job: TurnJob): Promise<void> {
    const duplicate = this.waiting.some(
      (j) => j.sessionId === job.sessionId && j.turn === job.turn,
    );
    if (!duplicate) this.waiting.push(job);
  }

  async dropWaiting(sessionId: string, turns: readonly number[]): Promise<number> {
    const before = this.waiting.length;
    const kept = this.waiting.filter((j) => j.sessionId !== sessionId || !turns.includes(j.turn));
    this.waiting.splice(0, this.waiting.length, ...kept);
    return before - kept.length;
  }

  /** Whether the turn still waits here (TurnConsumer.turnPending's in-memory face). */
  async turnPending(sessionId: string, turn: number): Promise<boolean> {
    return this.waiting.some((j) => j.sessionId === sessionId && j.turn === turn);
  }

  /** The oldest waiting job, as a worker would take it. */
  take(): TurnJob {
    const job = this.waiting.shift();
    if (!job) throw new Error('MemoryTurnQueue: no turn waiting');
    return job;
  }
}
