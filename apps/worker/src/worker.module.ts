import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { ConfigModule, type AppConfig } from '@app/config';
import { HealthController } from '@app/health';
import { MetricsModule, TenantLabels, WorkerMetrics } from '@app/metrics';
import { TracingModule } from '@app/tracing';
import { WorkerGauges } from './runtime/worker-gauges';
import { WorkerLifecycle } from './worker-lifecycle';
import { workerProviders } from './worker.providers';

/** A worker: takes session turns from the queue and runs them in Claude CLI processes. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: WorkerModule,
      // /readyz answering 503 while draining or while Redis is away is not an error to log.
      imports: [
        ConfigModule.forRoot(config),
        TerminusModule.forRoot({ logger: false }),
        // /metrics on the health port, and WorkerMetrics for whatever records something (global).
        MetricsModule.forRoot(new WorkerMetrics(TenantLabels.fromConfig(config))),
        TracingModule.forRoot(config.tracing),
      ],
      controllers: [HealthController],
      providers: [...workerProviders(logger), WorkerLifecycle, WorkerGauges],
    };
  }
}
