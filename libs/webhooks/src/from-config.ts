import type { AppConfig } from '@app/config';
import { WebhookQueue } from './webhook-queue';
import type { WebhookStore } from './webhook-store';
import { WebhookTargets } from './webhook-targets';

/** The tenants' webhooks as both roles read them: the operator's (WEBHOOKS) and the URL policy. */
export function webhookTargetsFrom(store: WebhookStore, config: Pick<AppConfig, 'webhooks'>) {
  const { operator, allowedUrls } = config.webhooks;
  return new WebhookTargets(store, { operator, allowedUrls });
}

/**
 * The webhooks queue on the deployment's Redis with its retry schedule (WEBHOOK_ATTEMPTS,
 * WEBHOOK_BACKOFF_MS): gateways and workers queue status changes, workers also deliver.
 */
export function webhookQueueFrom(
  config: Pick<AppConfig, 'redis' | 'webhooks'>,
  connectionName: string,
  onError: (error: Error) => void,
): WebhookQueue {
  const { url, keyPrefix, cluster } = config.redis;
  return new WebhookQueue(
    { url: url ?? '', keyPrefix, cluster: cluster === true },
    {
      attempts: config.webhooks.attempts,
      backoffMs: config.webhooks.backoffMs,
      connectionName,
      onError,
    },
  );
}
