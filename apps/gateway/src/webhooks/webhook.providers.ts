import { Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { RedisClient } from '@app/redis';
import { SessionStore } from '@app/sessions';
import { SessionEventLog } from '@app/stream';
import {
  StatusHookedEventLog,
  StatusWebhooks,
  WebhookQueue,
  webhookQueueFrom,
  WebhookStore,
  WebhookTargets,
  webhookTargetsFrom,
} from '@app/webhooks';
import { WebhookService } from './webhook.service';

/** Closes the producer side of the webhooks queue when the gateway stops. */
@Injectable()
class WebhookQueueCloser implements OnApplicationShutdown {
  constructor(private readonly queue: WebhookQueue) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}

/**
 * The gateway's side of webhooks, on the session tools' Redis connection (`redis`): the tools'
 * service, and the session event log that queues a delivery when the gateway writes a status
 * change (terminated). Workers deliver (apps/worker/src/webhooks): they already run the queues'
 * consumers, and a slow receiver must not hold a gateway's sockets. Wiring only.
 */
export function webhookProviders(redis: symbol): Provider[] {
  const log = new Logger('Webhooks');
  return [
    {
      provide: WebhookStore,
      inject: [redis],
      useFactory: (r: RedisClient) => new WebhookStore(r),
    },
    {
      provide: WebhookTargets,
      inject: [APP_CONFIG, WebhookStore],
      useFactory: (c: AppConfig, store: WebhookStore) => webhookTargetsFrom(store, c),
    },
    {
      provide: WebhookQueue,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) =>
        webhookQueueFrom(c, 'gateway-webhooks', (error) =>
          log.warn(`webhooks queue connection error: ${error.message}`),
        ),
    },
    WebhookQueueCloser,
    {
      provide: SessionEventLog,
      inject: [redis, APP_CONFIG, SessionStore, WebhookTargets, WebhookQueue],
      useFactory: (
        r: RedisClient,
        c: AppConfig,
        sessions: SessionStore,
        targets: WebhookTargets,
        queue: WebhookQueue,
      ) =>
        new StatusHookedEventLog(
          r,
          { maxLen: c.events.maxLen },
          new StatusWebhooks({
            targets,
            queue,
            sessionFacts: (id) => sessions.find(id),
            logger: {
              warn: (details, message) => log.warn(`${message} ${JSON.stringify(details)}`),
            },
          }),
        ),
    },
    {
      provide: WebhookService,
      inject: [APP_CONFIG, WebhookStore, WebhookTargets],
      useFactory: (c: AppConfig, store: WebhookStore, targets: WebhookTargets) =>
        new WebhookService({ store, targets, allowedUrls: c.webhooks.allowedUrls }),
    },
  ];
}
