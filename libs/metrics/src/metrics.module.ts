import { Module, type DynamicModule } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';

/**
 * Serves a role's metrics on /metrics and makes them injectable everywhere in the app, under
 * MetricsRegistry and under their own class (GatewayMetrics, WorkerMetrics). Global, so the
 * providers that record something take the metrics without each module importing this one.
 */
@Module({})
export class MetricsModule {
  static forRoot<T extends MetricsRegistry>(metrics: T): DynamicModule {
    const providers = [
      { provide: MetricsRegistry, useValue: metrics },
      { provide: metrics.constructor, useValue: metrics },
    ];
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers,
      exports: providers.map((p) => p.provide),
    };
  }
}
