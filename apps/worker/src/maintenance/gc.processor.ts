import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { collectGarbage, type GcReport, type ObjectCheckpointStore } from '@app/checkpoint';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { MAINTENANCE_QUEUE } from '@app/contracts';
import { CHECKPOINT_STORE, WORKER_LOGGER } from '../worker.providers';

const GC_SCHEDULER = 'checkpoint-gc';

/**
 * Checkpoint garbage collection on a BullMQ job scheduler: every worker registers the same
 * schedule (an upsert), and each run goes to one worker only.
 */
@Processor(MAINTENANCE_QUEUE)
export class GcProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: ObjectCheckpointStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const { intervalMs } = this.config.gc;
    if (intervalMs === 0) await this.queue.removeJobScheduler(GC_SCHEDULER);
    else await this.queue.upsertJobScheduler(GC_SCHEDULER, { every: intervalMs }, { name: 'gc' });
  }

  async process(): Promise<GcReport> {
    const report = await collectGarbage(this.checkpoints.objects, {
      graceMs: this.config.gc.graceMs,
    });
    this.logger.info({ report }, 'checkpoint garbage collected');
    return report;
  }
}
