import type { Logger } from 'pino';
import { collectGarbage, type GcReport, type ObjectCheckpointStore } from '@app/checkpoint';

/** Checkpoint garbage collection, as the worker runs it on the fleet-wide schedule. */
export class CheckpointGc {
  /** The schedule's id in the maintenance queue (kept stable across deployments). */
  static readonly SCHEDULE = 'checkpoint-gc';

  constructor(
    private readonly checkpoints: ObjectCheckpointStore,
    readonly settings: { intervalMs: number; graceMs: number },
    private readonly logger: Logger,
  ) {}

  async run(): Promise<GcReport> {
    const report = await collectGarbage(this.checkpoints.objects, {
      graceMs: this.settings.graceMs,
    });
    this.logger.info({ report }, 'checkpoint garbage collected');
    return report;
  }
}
