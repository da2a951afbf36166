import { Queue } from 'bullmq';
import { TURN_QUEUE, TurnJobSchema, turnJobId, type TurnJob } from '@app/contracts';
import { fairPriority, type TurnDispatch } from './fair-share';
import {
  closeQueueConnection,
  queueConnection,
  TURN_JOB_OPTIONS,
  type QueueRedis,
} from './queue-options';

const QUEUED_STATES = new Set<string>(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/** Where a turn's job is, as the quota ledger asks (TurnQueue.turnStates). */
export type TurnJobState = 'queued' | 'taken' | 'missing';

export interface TurnQueueOptions {
  connectionName?: string;
  onError?: (error: Error) => void;
  /** TURN_DISPATCH; default `fair`. */
  dispatch?: TurnDispatch;
}

export interface EnqueueOptions {
  /**
   * The tenant's turns queued and not yet taken, this one included, as its admission counted
   * them (TenantQuotas): its place in the tenant's backlog, for fair dispatch. Unknown: 1.
   */
  backlog?: number;
}

/** The producer's side of the turn queue: enqueue a turn, drop turns not yet started. */
export class TurnQueue {
  private readonly queue: Queue<TurnJob>;
  private readonly dispatch: TurnDispatch;

  constructor(redis: QueueRedis, options: TurnQueueOptions = {}) {
    this.dispatch = options.dispatch ?? 'fair';
    this.queue = new Queue<TurnJob>(TURN_QUEUE, {
      ...queueConnection(redis, options.connectionName ?? 'turn-queue'),
      defaultJobOptions: TURN_JOB_OPTIONS,
    });
    // Without a listener, a connection error would crash the process; BullMQ reconnects anyway.
    this.queue.on('error', options.onError ?? (() => undefined));
  }

  /**
   * Adds the turn; the job id is derived from session and turn, so adding twice is harmless.
   * Under fair dispatch its priority is its place in the tenant's backlog (see fairPriority).
   */
  async enqueue(job: TurnJob, options: EnqueueOptions = {}): Promise<void> {
    const data = TurnJobSchema.parse(job);
    const jobId = turnJobId(data.sessionId, data.turn);
    if (this.dispatch === 'fifo') {
      await this.queue.add('turn', data, { jobId });
      return;
    }
    const before = await this.queuedPriority(data.sessionId, data.turn - 1);
    const priority = fairPriority(options.backlog ?? 1, before);
    await this.queue.add('turn', data, { jobId, priority });
  }

  /** Removes the session's turns that are still waiting (e.g. on terminate); returns how many. */
  async dropWaiting(sessionId: string, turns: readonly number[]): Promise<number> {
    let removed = 0;
    for (const turn of turns) {
      const job = await this.queue.getJob(turnJobId(sessionId, turn));
      // Prioritized too: under fair dispatch that is where every turn waits.
      if (job && QUEUED_STATES.has(await job.getState())) {
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

  /** The priority of the session's turn while its job still waits (0: none, or not waiting). */
  private async queuedPriority(sessionId: string, turn: number): Promise<number> {
    if (turn < 1) return 0;
    const id = turnJobId(sessionId, turn);
    if (!QUEUED_STATES.has(await this.queue.getJobState(id))) return 0;
    return (await this.queue.getJob(id))?.priority ?? 0;
  }

  /** Turns waiting for a worker (BullMQ wait + prioritized), for csb_queue_waiting_turns. */
  waitingTurns(): Promise<number> {
    return this.queue.getJobCountByTypes('wait', 'prioritized');
  }

  async close(): Promise<void> {
    await this.queue.close();
    await closeQueueConnection(this.queue.opts.connection);
  }
}
