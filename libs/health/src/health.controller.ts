import { Controller, Get, Inject, Optional } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  MemoryHealthIndicator,
} from '@nestjs/terminus';
import { READINESS_PROBES, type ReadinessProbe } from './readiness';

const HEAP_LIMIT_BYTES = 1024 * 1024 * 1024;

/**
 * Kubernetes probes: `/healthz` says the process lives (restart it if not); `/readyz` says it
 * can take work now (its dependencies answer and it is not draining), 503 otherwise.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly memory: MemoryHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Optional() @Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[] = [],
  ) {}

  @Get('healthz')
  @HealthCheck()
  check() {
    return this.health.check([() => this.memory.checkHeap('heap', HEAP_LIMIT_BYTES)]);
  }

  @Get('readyz')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.probes.map((probe) => async () => {
        const indicator = this.indicators.check(probe.name);
        try {
          await probe.check();
          return indicator.up();
        } catch (error) {
          return indicator.down({
            message: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
  }
}
