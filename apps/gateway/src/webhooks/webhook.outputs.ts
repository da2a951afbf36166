import { z } from 'zod';
import { WebhookDeliverySchema, WebhookEventTypeSchema } from '@app/contracts';

/** structuredContent of webhook_set and webhook_deliveries, advertised as their outputSchemas. */

const webhookFields = {
  webhookId: z.string().describe('Identifies this setting; a new one at every webhook_set.'),
  url: z.string().describe('Where deliveries are POSTed.'),
  events: z.array(WebhookEventTypeSchema).describe('What is sent.'),
  enabled: z.boolean().describe('false: nothing is sent.'),
};

export const WebhookSetOutput = z.object({
  ...webhookFields,
  secret: z
    .string()
    .describe(
      'The signing secret (whsec_…), shown only in this answer: verify each delivery’s ' +
        'webhook-signature with it (Standard Webhooks).',
    ),
});
export type WebhookSetResult = z.infer<typeof WebhookSetOutput>;

export const WebhookDeliveriesOutput = z.object({
  webhook: z
    .object({
      ...webhookFields,
      source: z
        .enum(['operator', 'tenant'])
        .describe('operator: set by the operator (WEBHOOKS); webhook_set cannot change it.'),
    })
    .nullable()
    .describe('Your webhook (never its secret), or null when none is set.'),
  deliveries: z
    .array(WebhookDeliverySchema)
    .describe('Delivery attempts, newest first: one entry per attempt.'),
});
export type WebhookDeliveriesResult = z.infer<typeof WebhookDeliveriesOutput>;
