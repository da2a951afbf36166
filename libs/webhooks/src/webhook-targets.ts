import type { OperatorWebhook } from '@app/config';
import { parseWebhookUrl } from './url-policy';
import type { WebhookStore, WebhookTarget } from './webhook-store';

export interface WebhookTargetsOptions {
  /** WEBHOOKS: the operator's webhook per tenant, which wins over the tenant's own. */
  operator?: Readonly<Record<string, OperatorWebhook>>;
  /** WEBHOOK_ALLOWED_URLS, checked against the operator's URLs at start-up. */
  allowedUrls: readonly string[];
  /**
   * How long a tenant's webhook (or its absence) is remembered. Every status change of every
   * session asks, so a short cache spares Redis; a change made on another replica shows after it.
   */
  cacheMs?: number;
}

/** Whose webhook a tenant has: the operator's (WEBHOOKS), else its own (webhook_set). */
export class WebhookTargets {
  private readonly operator: ReadonlyMap<string, WebhookTarget>;
  private readonly cache = new Map<string, { at: number; target?: WebhookTarget }>();
  private readonly cacheMs: number;

  constructor(
    private readonly store: Pick<WebhookStore, 'get'>,
    options: WebhookTargetsOptions,
  ) {
    this.cacheMs = options.cacheMs ?? 5_000;
    const entries = Object.entries(options.operator ?? {}).map(([tenant, hook]) => {
      // A URL outside the policy stops start-up, naming the tenant (WebhookUrlRefused says why).
      parseWebhookUrl(hook.url, options.allowedUrls);
      const target: WebhookTarget = {
        webhookId: `operator:${tenant}`,
        url: hook.url,
        secret: hook.secret,
        events: hook.events,
        enabled: true,
        source: 'operator',
      };
      return [tenant, target] as const;
    });
    this.operator = new Map(entries);
  }

  isOperators(tenant: string): boolean {
    return this.operator.has(tenant);
  }

  /** The tenant's webhook; `fresh` skips the cache (deliveries use the current URL and secret). */
  async of(tenant: string, fresh = false): Promise<WebhookTarget | undefined> {
    const fixed = this.operator.get(tenant);
    if (fixed) return fixed;
    const cached = this.cache.get(tenant);
    if (!fresh && cached && Date.now() - cached.at < this.cacheMs) return cached.target;
    const target = await this.store.get(tenant);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(tenant, { at: Date.now(), target });
    return target;
  }

  /** Drops this replica's cached entry (after webhook_set here). */
  forget(tenant: string): void {
    this.cache.delete(tenant);
  }
}
