import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { stopTracing, type TracingConfig } from './tracing';

/** Stops tracing as the app closes, when this app started it (its config asked for traces). */
class TracingShutdown implements OnApplicationShutdown {
  constructor(private readonly traced: boolean) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.traced) await stopTracing();
  }
}

/**
 * Flushes and stops tracing when the app closes. Tracing itself starts before the app is made
 * (startTracing in each role's main), so the queues made while it is built already carry it.
 * An app with tracing off leaves alone a provider another app of the process started.
 */
@Module({})
export class TracingModule {
  static forRoot(config: TracingConfig): DynamicModule {
    const traced = config.exporter !== 'none';
    return {
      module: TracingModule,
      providers: [{ provide: TracingShutdown, useFactory: () => new TracingShutdown(traced) }],
    };
  }
}
