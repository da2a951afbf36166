import { randomUUID } from 'node:crypto';
import {
  WEBHOOK_EVENT_TYPES,
  type WebhookDeliveriesArgs,
  type WebhookSetArgs,
} from '@app/contracts';
import {
  checkWebhookAddress,
  newWebhookSecret,
  parseWebhookUrl,
  WebhookManagedByOperator,
  type WebhookStore,
  type WebhookTargets,
} from '@app/webhooks';
import type { WebhookDeliveriesResult, WebhookSetResult } from './webhook.outputs';

export interface WebhookServiceDeps {
  store: Pick<WebhookStore, 'set' | 'deliveries'>;
  targets: Pick<WebhookTargets, 'of' | 'isOperators' | 'forget'>;
  /** WEBHOOK_ALLOWED_URLS. */
  allowedUrls: readonly string[];
}

/** A tenant's webhook: set it (webhook_set) and read its delivery log (webhook_deliveries). */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  async set(tenant: string, args: WebhookSetArgs): Promise<WebhookSetResult> {
    if (this.deps.targets.isOperators(tenant)) throw new WebhookManagedByOperator(tenant);
    const target = parseWebhookUrl(args.url, this.deps.allowedUrls);
    await checkWebhookAddress(target);
    const webhook = {
      webhookId: `wh_${randomUUID().replace(/-/g, '')}`,
      url: target.url.href,
      events: [...new Set(args.events ?? WEBHOOK_EVENT_TYPES)],
      enabled: args.enabled ?? true,
      secret: args.secret ?? newWebhookSecret(),
    };
    await this.deps.store.set(tenant, webhook);
    this.deps.targets.forget(tenant);
    return webhook;
  }

  async deliveries(tenant: string, args: WebhookDeliveriesArgs): Promise<WebhookDeliveriesResult> {
    const [target, deliveries] = await Promise.all([
      this.deps.targets.of(tenant, true),
      this.deps.store.deliveries(tenant, args.limit ?? 20),
    ]);
    const webhook = target
      ? {
          webhookId: target.webhookId,
          url: target.url,
          events: [...target.events],
          enabled: target.enabled,
          source: target.source,
        }
      : null;
    return { webhook, deliveries };
  }
}
