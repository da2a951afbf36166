import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { WorkerMetrics } from '@app/metrics';
import type { RedisClient } from '@app/redis';
import { SessionStore } from '@app/sessions';
import {
  StatusWebhooks,
  WebhookQueue,
  WebhookSender,
  webhookQueueFrom,
  WebhookStore,
  WebhookTargets,
  webhookTargetsFrom,
} from '@app/webhooks';
import { REDIS_COMMANDS, WORKER_LOGGER } from '../worker.tokens';

/**
 * Workers deliver the webhooks: they already run the queues' consumers and scale with the turns
 * whose status changes make the deliveries, and a slow receiver then never holds a gateway's
 * sockets. Deliveries stop before the worker's connections close (beforeApplicationShutdown),
 * so an attempt under way can still write its log entry; BullMQ gives an unfinished one back.
 */
@Injectable()
class WebhookDeliveries
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: WebhookQueue,
    private readonly targets: WebhookTargets,
    private readonly store: WebhookStore,
    private readonly metrics: WorkerMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const sender = new WebhookSender({
      targets: this.targets,
      store: this.store,
      allowedUrls: this.config.webhooks.allowedUrls,
      onAttempt: (outcome) => this.metrics.webhookDelivered(outcome),
    });
    this.queue.process((job, attempt) => sender.send(job, attempt));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.stopProcessing();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}

/** The worker's side of webhooks: queueing status changes, and delivering. Wiring only. */
export function webhookProviders(): Provider[] {
  return [
    {
      provide: WebhookStore,
      inject: [REDIS_COMMANDS],
      useFactory: (r: RedisClient) => new WebhookStore(r),
    },
    {
      provide: WebhookTargets,
      inject: [APP_CONFIG, WebhookStore],
      useFactory: (c: AppConfig, store: WebhookStore) => webhookTargetsFrom(store, c),
    },
    {
      provide: WebhookQueue,
      inject: [APP_CONFIG, WORKER_LOGGER],
      useFactory: (c: AppConfig, logger: Logger) =>
        webhookQueueFrom(c, 'worker-webhooks', (error) =>
          logger.warn({ err: error.message }, 'webhooks queue connection error'),
        ),
    },
    {
      provide: StatusWebhooks,
      inject: [WebhookTargets, WebhookQueue, SessionStore, WORKER_LOGGER],
      useFactory: (
        targets: WebhookTargets,
        queue: WebhookQueue,
        sessions: SessionStore,
        logger: Logger,
      ) => new StatusWebhooks({ targets, queue, sessionFacts: (id) => sessions.find(id), logger }),
    },
    WebhookDeliveries,
  ];
}
