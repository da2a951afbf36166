import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type TenantLimits } from '@app/config';
import { TurnQueue } from '@app/queue';
import type { RedisClient } from '@app/redis';
import { TenantQuotaStore } from '@app/sessions';
import { formatBytes } from '@app/workspace';
import { TenantQuotas } from './tenant-quotas';

/** Says once, at start-up, which limits are in force: the defaults and each named tenant's. */
@Injectable()
export class TenantLimitsLog implements OnApplicationBootstrap {
  private readonly log = new Logger('TenantQuotas');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const { defaults, tenants } = this.config.tenantLimits;
    const named = Object.entries(tenants).map(([tenant, l]) => `${tenant}: ${describe(l)}`);
    this.log.log(
      `tenant limits in force: defaults (every tenant not named): ${describe(defaults)}` +
        (named.length > 0 ? `; ${named.join('; ')}` : '; no tenant named in TENANT_LIMITS'),
    );
  }
}

function describe(l: TenantLimits): string {
  return [
    `maxSessions ${l.maxSessions}`,
    `maxQueuedTurns ${l.maxQueuedTurns}`,
    `requestsPerMinute ${l.requestsPerMinute}`,
    `workspaceBytes ${formatBytes(l.workspaceBytes)}`,
    `budgetUsdPerDay ${l.budgetUsdPerDay ?? 'none'}`,
  ].join(', ');
}

/**
 * The gateway's quota admission (TenantQuotas) on the session tools' Redis connection and turn
 * queue, and the start-up log of the limits. Wiring only; `redis`: the token of that connection.
 */
export function quotaProviders(redis: symbol): Provider[] {
  return [
    {
      provide: TenantQuotas,
      inject: [APP_CONFIG, redis, TurnQueue],
      useFactory: (c: AppConfig, r: RedisClient, queue: TurnQueue) =>
        new TenantQuotas({ store: new TenantQuotaStore(r), queue, limits: c.tenantLimits }),
    },
    TenantLimitsLog,
  ];
}
