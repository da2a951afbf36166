import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { READINESS_PROBES, type ReadinessProbe } from '@app/health';
import { WorkerMetrics } from '@app/metrics';
import { TurnConsumer } from '@app/queue';
import { LiveSessionRegistry } from './live-session-registry';

/** Points the worker's scrape-time gauges at its readiness probes, queue consumer and CLIs. */
@Injectable()
export class WorkerGauges implements OnModuleInit {
  constructor(
    private readonly metrics: WorkerMetrics,
    private readonly registry: LiveSessionRegistry,
    private readonly consumer: TurnConsumer,
    @Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[],
  ) {}

  onModuleInit(): void {
    const live = () => this.registry.ids().flatMap((id) => this.registry.get(id) ?? []);
    this.metrics.collectFrom({
      // The same probes as /readyz, so the gauge and the probe never disagree.
      ready: async () => {
        const checks = await Promise.allSettled(this.probes.map((probe) => probe.check()));
        return checks.every((check) => check.status === 'fulfilled');
      },
      concurrency: () => this.consumer.concurrency,
      runningTurns: () => live().filter((session) => session.busy).length,
      cliProcesses: () =>
        live()
          .map((session) => session.process.pid)
          .filter((pid) => pid > 0),
    });
  }
}
