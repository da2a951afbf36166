import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, MemoryHealthIndicator } from '@nestjs/terminus';

const HEAP_LIMIT_BYTES = 1024 * 1024 * 1024;

/** Liveness for Kubernetes probes; readiness checks join as the gateway gains dependencies. */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly memory: MemoryHealthIndicator,
  ) {}

  @Get('healthz')
  @HealthCheck()
  check() {
    return this.health.check([() => this.memory.checkHeap('heap', HEAP_LIMIT_BYTES)]);
  }
}
