import type { WebhookDelivery, WebhookJob } from '@app/contracts';
import { WebhookUrlRefused } from './errors';
import { postOnce, type PostOutcome } from './http-post';
import { signedHeaders } from './signature';
import { checkWebhookAddress, parseWebhookUrl } from './url-policy';
import { stopRetrying, type DeliveryAttempt } from './webhook-queue';
import type { WebhookStore } from './webhook-store';
import type { WebhookTargets } from './webhook-targets';

export interface WebhookSenderDeps {
  targets: Pick<WebhookTargets, 'of'>;
  store: Pick<WebhookStore, 'logAttempt'>;
  /** WEBHOOK_ALLOWED_URLS, checked again at every attempt (the policy may have changed). */
  allowedUrls: readonly string[];
  /** Per request, connection to last byte (default 5 s). */
  timeoutMs?: number;
  /** Sees each attempt's outcome (csb_webhook_deliveries_total). */
  onAttempt?: (outcome: WebhookDelivery['outcome']) => void;
}

/**
 * Sends one attempt of a delivery (WebhookQueue's handler): the tenant's current webhook, the
 * body DESIGN.md fixes, signed; every attempt goes to the tenant's delivery log. 2xx is delivered;
 * anything else throws, so the queue retries with backoff; a refused URL ends the delivery.
 */
export class WebhookSender {
  constructor(private readonly deps: WebhookSenderDeps) {}

  async send(job: WebhookJob, attempt: DeliveryAttempt): Promise<void> {
    const target = await this.deps.targets.of(job.tenant, true);
    // Removed, disabled or unsubscribed since the change was queued: nothing to send.
    if (!target?.enabled || !target.events.includes(job.type)) return;
    const started = Date.now();
    const body = JSON.stringify({
      type: job.type,
      tenant: job.tenant,
      sessionId: job.sessionId,
      turn: job.turn,
      at: new Date(job.at).toISOString(),
      data: job.data,
    });
    let outcome: PostOutcome;
    try {
      const url = parseWebhookUrl(target.url, this.deps.allowedUrls);
      await checkWebhookAddress(url);
      const headers = signedHeaders(target.secret, job.deliveryId, body);
      outcome = await postOnce(url, headers, body, this.deps.timeoutMs ?? 5_000);
    } catch (error) {
      if (!(error instanceof WebhookUrlRefused)) throw error;
      await this.log(job, attempt, started, { outcome: 'refused', error: error.message });
      throw stopRetrying(error.message);
    }
    // guardedLookup refuses at connect time: the same refusal, found later.
    if ('error' in outcome && outcome.refused) {
      await this.log(job, attempt, started, { outcome: 'refused', error: outcome.error });
      throw stopRetrying(outcome.error);
    }
    const ok = 'status' in outcome && outcome.status >= 200 && outcome.status < 300;
    await this.log(job, attempt, started, {
      outcome: ok ? 'delivered' : attempt.final ? 'failed' : 'retrying',
      ...('status' in outcome ? { httpStatus: outcome.status } : { error: outcome.error }),
    });
    if (!ok) {
      throw new Error(
        'status' in outcome ? `the receiver answered HTTP ${outcome.status}` : outcome.error,
      );
    }
  }

  private log(
    job: WebhookJob,
    attempt: DeliveryAttempt,
    started: number,
    result: Pick<WebhookDelivery, 'outcome' | 'httpStatus' | 'error'>,
  ): Promise<void> {
    const at = Date.now();
    this.deps.onAttempt?.(result.outcome);
    return this.deps.store.logAttempt(job.tenant, {
      deliveryId: job.deliveryId,
      type: job.type,
      sessionId: job.sessionId,
      attempt: attempt.number,
      ...result,
      ...(result.error ? { error: result.error.slice(0, 500) } : {}),
      at,
      durationMs: at - started,
    });
  }
}
