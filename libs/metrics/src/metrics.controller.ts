import type { IncomingMessage } from 'node:http';
import { Controller, Get, Header, NotFoundException, Req } from '@nestjs/common';
import { Registry } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';

/**
 * Prometheus text at /metrics on the role's own port (the gateway's HTTP port, the worker's
 * health port). No tenant key: Prometheus scrapes it, and the NetworkPolicies (k8s/base) decide
 * who reaches the port. Nothing secret is in it: counts, durations, status codes, and the names
 * of configured tenants, never keys, session ids or messages.
 */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(@Req() req: IncomingMessage): Promise<string> {
    // The gateway's port is also behind the public Ingress, which forwards every path; a
    // scraper reaches the pod directly, a client through a proxy that says so.
    if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined) {
      throw new NotFoundException();
    }
    return this.metrics.text();
  }
}
