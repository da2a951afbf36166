import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { stopTracing } from './tracing';

/**
 * Flushes and stops tracing when the app closes. Tracing itself starts before the app is made
 * (startTracing in each role's main), so the queues made while it is built already carry it.
 */
@Module({})
export class TracingModule implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await stopTracing();
  }
}
