import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { WEBHOOK_QUEUE, WebhookJobSchema, type WebhookJob } from '@app/contracts';
import { closeQueueConnection, queueConnection, type QueueRedis } from '@app/queue';

export interface WebhookQueueOptions {
  /** WEBHOOK_ATTEMPTS: tries per delivery, the first included. */
  attempts: number;
  /** WEBHOOK_BACKOFF_MS: the first retry's delay, doubled at each further retry. */
  backoffMs: number;
  /** Deliveries one process sends at once (default 16: each mostly waits on the network). */
  concurrency?: number;
  connectionName?: string;
  onError?: (error: Error) => void;
}

/** Which try a delivery is on, for the log and the last-try decision. */
export interface DeliveryAttempt {
  /** 1 for the first try. */
  number: number;
  /** No retry follows if this one fails. */
  final: boolean;
}

/** Sends one delivery; throws to retry, throws `stopRetrying()` to give up at once. */
export type WebhookHandler = (job: WebhookJob, attempt: DeliveryAttempt) => Promise<void>;

/** Wrap an error in this to end a delivery without retries (a refused URL stays refused). */
export const stopRetrying = (message: string): Error => new UnrecoverableError(message);

/**
 * Both sides of the `webhooks` queue (one class, like ScheduledJobs): producers enqueue, and
 * the role that delivers starts a BullMQ worker. BullMQ keeps the retries: exponential backoff
 * across process restarts and replicas, with no timer of ours to lose.
 */
export class WebhookQueue {
  private readonly queue: Queue<WebhookJob>;
  private worker?: Worker<WebhookJob>;

  constructor(
    private readonly redis: QueueRedis,
    private readonly options: WebhookQueueOptions,
  ) {
    this.queue = new Queue<WebhookJob>(WEBHOOK_QUEUE, {
      ...queueConnection(redis, options.connectionName ?? 'webhooks'),
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs },
        removeOnComplete: { age: 3_600, count: 1_000 },
        removeOnFail: { age: 24 * 3_600, count: 5_000 },
      },
    });
    this.queue.on('error', options.onError ?? (() => undefined));
  }

  /** The delivery id is the job id: the same change enqueued twice is sent once. */
  async enqueue(job: WebhookJob): Promise<void> {
    const data = WebhookJobSchema.parse(job);
    await this.queue.add(data.type, data, { jobId: data.deliveryId });
  }

  /** Starts delivering on this process. */
  process(handler: WebhookHandler): void {
    if (this.worker) return;
    this.worker = new Worker<WebhookJob>(
      WEBHOOK_QUEUE,
      (job: Job<WebhookJob>) => {
        const number = job.attemptsMade + 1;
        return handler(WebhookJobSchema.parse(job.data), {
          number,
          final: number >= (job.opts.attempts ?? 1),
        });
      },
      {
        ...queueConnection(this.redis, `${this.options.connectionName ?? 'webhooks'}-worker`),
        concurrency: this.options.concurrency ?? 16,
      },
    );
    this.worker.on('error', this.options.onError ?? (() => undefined));
  }

  /** Stops taking deliveries and waits for those under way. */
  async stopProcessing(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await worker.close();
    await closeQueueConnection(worker.opts.connection);
  }

  async close(): Promise<void> {
    await this.stopProcessing();
    await this.queue.close();
    await closeQueueConnection(this.queue.opts.connection);
  }
}
