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
    // A sweep that found nothing (every start-up runs one) is no news at info level.
    const news =
      report.deleted > 0 ||
      report.danglingRefs > 0 ||
      report.skippedTenants.length > 0 ||
      report.errors.length > 0;
    this.logger[news ? 'info' : 'debug']({ report }, 'checkpoint garbage collected');
    return report;
  }
}
