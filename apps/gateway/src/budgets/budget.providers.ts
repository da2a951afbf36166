import type { Provider } from '@nestjs/common';
import { APP_CONFIG, limitsOf, type AppConfig } from '@app/config';
import type { RedisClient } from '@app/redis';
import { SessionStore } from '@app/sessions';
import { UsageLedger } from '@app/usage';
import { SpendGate } from './spend-gate';
import { UsageService } from './usage.service';

/** The gateway's side of spend caps and usage: wiring only, on the gateway's Redis connection. */
export function budgetProviders(redis: symbol): Provider[] {
  return [
    {
      provide: UsageLedger,
      inject: [redis],
      useFactory: (r: RedisClient) => new UsageLedger(r),
    },
    {
      provide: SpendGate,
      inject: [APP_CONFIG, SessionStore, UsageLedger],
      useFactory: (c: AppConfig, sessions: SessionStore, ledger: UsageLedger) =>
        new SpendGate({ sessions, ledger, limitsOf: (t) => limitsOf(c.tenantLimits, t) }),
    },
    {
      provide: UsageService,
      inject: [APP_CONFIG, SessionStore, UsageLedger],
      useFactory: (c: AppConfig, sessions: SessionStore, ledger: UsageLedger) =>
        new UsageService({ sessions, ledger, limitsOf: (t) => limitsOf(c.tenantLimits, t) }),
    },
  ];
}
