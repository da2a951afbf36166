import { WebhookDeliveriesInput, WebhookSetInput } from '@app/contracts';
import { counted, defineTool, type ToolDefinition } from '../mcp/toolset';
import {
  WebhookDeliveriesOutput,
  WebhookSetOutput,
  type WebhookDeliveriesResult,
} from './webhook.outputs';
import type { WebhookService } from './webhook.service';

/** webhook_set (DESIGN.md, name fixed) and webhook_deliveries. */
export function webhookTools(webhooks: WebhookService): ToolDefinition[] {
  return [
    defineTool({
      name: 'webhook_set',
      title: 'Set your webhook',
      description:
        'Have your sessions’ status changes POSTed to a URL: session.idle, session.waiting (a ' +
        'permission prompt waits for you), session.failed, session.budget_exceeded, ' +
        'session.terminated, session.recovered (a turn runs again after a worker was lost). ' +
        'Each delivery is signed as Standard Webhooks says (webhook-id, webhook-timestamp, ' +
        'webhook-signature) and retried with backoff until your endpoint answers 2xx. Replaces ' +
        'your webhook; the signing secret is shown only in this answer.',
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: true,
      },
      input: WebhookSetInput,
      output: WebhookSetOutput,
      handler: (args, ctx) => webhooks.set(ctx.tenant, args),
      answer: (r) => ({
        text:
          `Webhook ${r.webhookId} ${r.enabled ? 'sends' : 'is disabled; it would send'} ` +
          `${r.events.join(', ')} to ${r.url}. Signing secret (shown only now): ${r.secret}`,
      }),
    }),
    defineTool({
      name: 'webhook_deliveries',
      title: 'Webhook delivery log',
      description:
        'Your webhook (without its secret) and its latest delivery attempts, newest first: ' +
        'one entry per attempt with the outcome (delivered, retrying, failed, refused), your ' +
        'endpoint’s HTTP status or the error, and the webhook-id to match with what you received.',
      annotations: { readOnlyHint: true, openWorldHint: false },
      input: WebhookDeliveriesInput,
      output: WebhookDeliveriesOutput,
      handler: (args, ctx) => webhooks.deliveries(ctx.tenant, args),
      answer: (r) => ({ text: describeDeliveries(r) }),
    }),
  ];
}

function describeDeliveries(r: WebhookDeliveriesResult): string {
  const head = r.webhook
    ? `Webhook ${r.webhook.webhookId} (${r.webhook.enabled ? 'enabled' : 'disabled'}, ` +
      `${r.webhook.source === 'operator' ? 'set by the operator' : 'set by you'}) → ${r.webhook.url}.`
    : 'No webhook is set (webhook_set sets one).';
  const lines = r.deliveries
    .slice(0, 10)
    .map(
      (d) =>
        `${new Date(d.at).toISOString()} ${d.type} ${d.deliveryId} attempt ${d.attempt}: ` +
        `${d.outcome}${d.httpStatus !== undefined ? ` (HTTP ${d.httpStatus})` : ''}` +
        `${d.error ? ` ${d.error}` : ''}`,
    );
  return [head, `${counted(r.deliveries.length, 'attempt')} listed.`, ...lines].join('\n');
}
