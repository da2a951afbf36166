import {
  keys,
  WebhookDeliverySchema,
  WebhookEventTypeSchema,
  type WebhookDelivery,
  type WebhookEventType,
} from '@app/contracts';
import type { RedisClient } from '@app/redis';

/** A tenant's webhook as deliveries use it, whoever set it. */
export interface WebhookTarget {
  /** Changes whenever the webhook is set again. */
  webhookId: string;
  url: string;
  secret: string;
  events: readonly WebhookEventType[];
  enabled: boolean;
  /** `operator`: WEBHOOKS, which webhook_set cannot change. */
  source: 'operator' | 'tenant';
}

/** Attempts kept per tenant; older ones fall off the list. */
export const DELIVERY_LOG_LENGTH = 200;

/**
 * The Redis side of webhooks: each tenant's own webhook (a hash) and its delivery log (a capped
 * list, newest first). Every key carries the tenant, so one tenant never reads another's.
 */
export class WebhookStore {
  constructor(private readonly redis: RedisClient) {}

  async get(tenant: string): Promise<WebhookTarget | undefined> {
    const h = await this.redis.hgetall(keys.tenantWebhook(tenant));
    if (!h.url || !h.secret || !h.webhookId) return undefined;
    const events = (h.events ?? '')
      .split(',')
      .filter((e): e is WebhookEventType => WebhookEventTypeSchema.safeParse(e).success);
    return {
      webhookId: h.webhookId,
      url: h.url,
      secret: h.secret,
      events,
      enabled: h.enabled !== '0',
      source: 'tenant',
    };
  }

  async set(tenant: string, target: Omit<WebhookTarget, 'source'>): Promise<void> {
    const key = keys.tenantWebhook(tenant);
    // One MULTI: a reader never sees a new URL with the old secret.
    await this.redis
      .multi()
      .del(key)
      .hset(key, {
        webhookId: target.webhookId,
        url: target.url,
        secret: target.secret,
        events: target.events.join(','),
        enabled: target.enabled ? '1' : '0',
        updatedAt: String(Date.now()),
      })
      .exec();
  }

  async logAttempt(tenant: string, entry: WebhookDelivery): Promise<void> {
    const key = keys.tenantWebhookDeliveries(tenant);
    await this.redis
      .multi()
      .lpush(key, JSON.stringify(entry))
      .ltrim(key, 0, DELIVERY_LOG_LENGTH - 1)
      .exec();
  }

  /** The newest `limit` attempts, newest first; entries that no longer parse are skipped. */
  async deliveries(tenant: string, limit: number): Promise<WebhookDelivery[]> {
    const raw = await this.redis.lrange(keys.tenantWebhookDeliveries(tenant), 0, limit - 1);
    return raw.flatMap((text) => {
      const parsed = WebhookDeliverySchema.safeParse(safeJson(text));
      return parsed.success ? [parsed.data] : [];
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
