import type { Provider } from '@nestjs/common';
import { GatewayMetrics } from '@app/metrics';
import { TurnQueue } from '@app/queue';
import type { RedisClient } from '@app/redis';
import { SessionCensus } from '@app/sessions';

const GATEWAY_GAUGES = Symbol('GATEWAY_GAUGES');

/**
 * Points the gateway's scrape-time gauges at the turn queue and at the sessions in Redis, on
 * the session tools' connections. Wiring only; `redis`: the token of that Redis connection.
 */
export function gaugeProviders(redis: symbol): Provider[] {
  return [
    {
      provide: GATEWAY_GAUGES,
      inject: [GatewayMetrics, TurnQueue, redis],
      useFactory: (metrics: GatewayMetrics, queue: TurnQueue, r: RedisClient) => {
        const census = new SessionCensus(r);
        metrics.collectFrom({
          waitingTurns: () => queue.waitingTurns(),
          census: (tenants) => census.count(tenants),
        });
        return census;
      },
    },
  ];
}
