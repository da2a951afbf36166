import { Queue, Worker } from 'bullmq';
import { MAINTENANCE_QUEUE } from '@app/contracts';
import { closeQueueConnection, queueConnection, type QueueRedis } from './queue-options';

/**
 * Maintenance work on a schedule (checkpoint GC): every worker registers the same schedule (an
 * upsert, so it exists once), and each run goes to one worker only.
 */
export class ScheduledJobs {
  private readonly queue: Queue;
  private worker?: Worker;
  private readonly handlers = new Map<string, () => Promise<unknown>>();

  constructor(
    private readonly redis: QueueRedis,
    private readonly options: { connectionName?: string; onError?: (error: Error) => void } = {},
  ) {
    this.queue = new Queue(MAINTENANCE_QUEUE, {
      ...queueConnection(redis, options.connectionName ?? 'maintenance'),
      defaultJobOptions: { removeOnComplete: 50, removeOnFail: 50 },
    });
    this.queue.on('error', options.onError ?? (() => undefined));
  }

  /** Runs `run` every `everyMs` on one worker of the fleet; 0 removes the schedule. */
  async every(name: string, everyMs: number, run: () => Promise<unknown>): Promise<void> {
    this.handlers.set(name, run);
    if (everyMs === 0) {
      await this.queue.removeJobScheduler(name);
      return;
    }
    await this.queue.upsertJobScheduler(name, { every: everyMs }, { name });
    this.worker ??= this.startWorker();
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    if (this.worker) await closeQueueConnection(this.worker.opts.connection);
    await closeQueueConnection(this.queue.opts.connection);
  }

  private startWorker(): Worker {
    const worker = new Worker(
      MAINTENANCE_QUEUE,
      async (job) => {
        const run = this.handlers.get(job.name);
        if (!run) throw new Error(`no handler for maintenance job "${job.name}" on this worker`);
        return run();
      },
      queueConnection(this.redis, `${this.options.connectionName ?? 'maintenance'}-worker`),
    );
    worker.on('error', this.options.onError ?? (() => undefined));
    return worker;
  }
}
