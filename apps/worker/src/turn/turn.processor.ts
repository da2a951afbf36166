import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { TURN_QUEUE, TurnJobSchema, type TurnJob } from '@app/contracts';
import { TURN_WORKER_OPTIONS } from '@app/queue';
import { WORKER_CONCURRENCY } from '../worker.tokens';
import { TurnRunner } from './turn-runner';

/** How long a turn waits before asking again for a session that another worker still holds. */
const HANDOVER_RETRY_MS = 250;

/** BullMQ entry point for turn jobs; the work itself is TurnRunner's. */
@Processor(TURN_QUEUE, TURN_WORKER_OPTIONS)
export class TurnProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly runner: TurnRunner,
    @Inject(WORKER_CONCURRENCY) private readonly concurrency: number,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.concurrency;
  }

  async process(job: Job<TurnJob>, token?: string): Promise<unknown> {
    const parsed = TurnJobSchema.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`malformed turn job ${job.id}: ${parsed.error.message}`);
    let outcome;
    try {
      outcome = await this.runner.run(parsed.data);
    } catch (error) {
      // The queue retries; after the last attempt the session must not stay queued forever.
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await this.runner.failedToStart(parsed.data, error);
      throw error;
    }
    if (outcome.kind === 'busy-elsewhere') {
      await job.moveToDelayed(Date.now() + HANDOVER_RETRY_MS, token);
      throw new DelayedError();
    }
    if (outcome.kind === 'done') {
      return { subtype: outcome.result.subtype, isError: outcome.result.is_error };
    }
    return outcome;
  }
}
