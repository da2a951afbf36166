import { DelayedError, Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { TURN_QUEUE, TurnJobSchema, turnJobId, type TurnJob } from '@app/contracts';
import {
  closeQueueConnection,
  HANDOVER_RETRY_MS,
  queueConnection,
  turnWorkerOptions,
  type QueueRedis,
} from './queue-options';

/**
 * How a turn ended, as the queue records it. `handover`: another worker holds the session and
 * was asked to let go, try again shortly. `handback`: this worker is stopping and gave the turn
 * up unfinished, so it goes back to the queue for any worker to run again.
 */
export type TurnOutcome =
  | { kind: 'done'; subtype: string; isError: boolean }
  | { kind: 'failed'; error: string }
  | { kind: 'skipped'; reason: string }
  | { kind: 'handover' }
  | { kind: 'handback' };

/** What runs the turns a consumer takes. */
export interface TurnHandler {
  /**
   * Runs the turn. Throwing means nothing reached the CLI: the queue retries the job. `handover`
   * means another worker holds the session and was asked to let go: the job waits a moment.
   */
  run(job: TurnJob): Promise<TurnOutcome>;
  /** The last attempt threw: the session must not stay queued forever, so the handler fails it. */
  giveUp(job: TurnJob, error: unknown): Promise<void>;
}

export interface TurnConsumerOptions {
  redis: QueueRedis;
  /** Turns at once (WORKER_CONCURRENCY). */
  concurrency: number;
  /** WORKER_LIVENESS_MS: job locks and the stalled-job check derive from it. */
  livenessMs?: number;
  connectionName?: string;
  handoverRetryMs?: number;
  /** Connection errors; BullMQ reconnects by itself. */
  onError?: (error: Error) => void;
  /** How long each turn that ran (or was skipped) had waited since it was enqueued. */
  onWaited?: (ms: number) => void;
}

/** Job states of a turn that has not been run yet: waiting for a worker, or taken by one. */
const PENDING_STATES = new Set<string>([
  'waiting',
  'prioritized',
  'delayed',
  'waiting-children',
  'active',
]);

/**
 * The worker's side of the turn queue: takes up to `concurrency` turns at once and applies the
 * queue's policy around the handler: malformed jobs are never retried, a session held elsewhere
 * is retried after HANDOVER_RETRY_MS, a turn handed back goes to the queue's front for any
 * worker, and the last failed attempt fails the session.
 */
export class TurnConsumer {
  private worker?: Worker<TurnJob>;

  constructor(private readonly options: TurnConsumerOptions) {}

  /** Turns at once, as resolved at start-up (WORKER_CONCURRENCY). */
  get concurrency(): number {
    return this.options.concurrency;
  }

  start(handler: TurnHandler): void {
    if (this.worker) throw new Error('TurnConsumer.start: already started');
    const { redis, concurrency, connectionName = 'turn-consumer' } = this.options;
    this.worker = new Worker<TurnJob>(
      TURN_QUEUE,
      (job, token) => this.process(handler, job, token),
      {
        ...queueConnection(redis, connectionName),
        ...turnWorkerOptions(this.options.livenessMs),
        concurrency,
      },
    );
    // Without a listener, a connection error would crash the process; BullMQ reconnects anyway.
    this.worker.on('error', this.options.onError ?? (() => undefined));
  }

  /**
   * Whether the turn's job has yet to run: it waits in the queue (waiting, prioritized, delayed)
   * or a worker has just taken it (active). False once it ended or when there is no such job
   * (dropped, or removed after it ended). Read through the consumer's own connection.
   */
  async turnPending(sessionId: string, turn: number): Promise<boolean> {
    if (!this.worker) throw new Error('TurnConsumer.turnPending: not started');
    const job = await Job.fromId(this.worker, turnJobId(sessionId, turn));
    return job !== undefined && PENDING_STATES.has(await job.getState());
  }

  /**
   * Takes no more turns; resolves once the running ones have ended (the caller bounds the wait
   * and hands unfinished turns back, see TurnHandler).
   */
  async close(): Promise<void> {
    await this.worker?.close();
    if (this.worker) await closeQueueConnection(this.worker.opts.connection);
  }

  private async process(handler: TurnHandler, job: Job<TurnJob>, token?: string): Promise<unknown> {
    const parsed = TurnJobSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`malformed turn job ${job.id}: ${parsed.error.message}`);
    }
    let outcome: TurnOutcome;
    try {
      outcome = await handler.run(parsed.data);
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await handler.giveUp(parsed.data, error);
      throw error;
    }
    if (outcome.kind === 'handover') {
      await job.moveToDelayed(
        Date.now() + (this.options.handoverRetryMs ?? HANDOVER_RETRY_MS),
        token,
      );
      throw new DelayedError();
    }
    if (outcome.kind === 'handback') {
      // To the front of the queue, for whichever worker is free first.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    // Once per job, when it leaves the queue for good: a hand-over's wait counts in its total.
    this.options.onWaited?.((job.processedOn ?? Date.now()) - job.timestamp);
    return outcome;
  }
}
