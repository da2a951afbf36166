import { Queue } from 'bullmq';
import { TURN_QUEUE, TurnJobSchema, turnJobId, type TurnJob } from '@app/contracts';
import {
  closeQueueConnection,
  queueConnection,
  TURN_JOB_OPTIONS,
  type QueueRedis,
} from './queue-options';

const QUEUED_STATES = new Set<string>(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/** Where a turn's job is, as the quota ledger asks (TurnQueue.turnStates). */
export type TurnJobState = 'queued' | 'taken' | 'missing';

/** The producer's side of the turn queue: enqueue a turn, drop turns not yet started. */
export class TurnQueue {
  private readonly queue: Queue<TurnJob>;

  constructor(
    redis: QueueRedis,
    options: { connectionName?: string; onError?: (error: Error) => void } = {},
  ) {
    this.queue = new Queue<TurnJob>(TURN_QUEUE, {
      ...queueConnection(redis, options.connectionName ?? 'turn-queue'),
      defaultJobOptions: TURN_JOB_OPTIONS,
    });
    // Without a listener, a connection error would crash the process; BullMQ reconnects anyway.
    this.queue.on('error', options.onError ?? (() => undefined));
  }

  /** Adds the turn; the job id is derived from session and turn, so adding twice is harmless. */
  async enqueue(job: TurnJob): Promise<void> {
    const data = TurnJobSchema.parse(job);
    await this.queue.add('turn', data, { jobId: turnJobId(data.sessionId, data.turn) });
  }

  /** Removes the session's turns that are still waiting (e.g. on terminate); returns how many. */
  async dropWaiting(sessionId: string, turns: readonly number[]): Promise<number> {
    let removed = 0;
    for (const turn of turns) {
      const job = await this.queue.getJob(turnJobId(sessionId, turn));
      if (job && ((await job.isWaiting()) || (await job.isDelayed()))) {
        await job.remove().then(
          () => removed++,
          () => undefined, // picked up meanwhile: the worker sees the session's status
        );
      }
    }
    return removed;
  }

  /**
   * Where each turn's job is: `queued` while it waits for a worker (waiting, delayed,
   * prioritized), `taken` once a worker has it or it ended, `missing` when there is no such job
   * (not added yet, or removed).
   */
  async turnStates(
    turns: ReadonlyArray<{ sessionId: string; turn: number }>,
  ): Promise<TurnJobState[]> {
    return Promise.all(
      turns.map(async ({ sessionId, turn }) => {
        const state = await this.queue.getJobState(turnJobId(sessionId, turn));
        if (state === 'unknown') return 'missing';
        return QUEUED_STATES.has(state) ? 'queued' : 'taken';
      }),
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
    await closeQueueConnection(this.queue.opts.connection);
  }
}
