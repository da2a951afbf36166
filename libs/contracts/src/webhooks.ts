import { z } from 'zod';

/*
 * Webhooks (DESIGN.md: Standard Webhooks, body `{ type, tenant, sessionId, turn, at, data }`):
 * the session changes a tenant can subscribe to, the job that delivers one, the delivery log's
 * entries and the two tools' inputs. The single source of these shapes.
 */

/** What a webhook can be told; `session.<status>` as the body's `type`. */
export const WEBHOOK_EVENT_TYPES = [
  'session.idle',
  'session.waiting',
  'session.failed',
  'session.budget_exceeded',
  'session.terminated',
  'session.recovered',
] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/** A Standard Webhooks signing secret: `whsec_` and base64 of 24 to 64 random bytes. */
export const WebhookSecretSchema = z
  .string()
  // The lengths the pattern allows, said outright: clients (and the fuzzer) read them.
  .min(38)
  .max(96)
  .regex(
    /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/,
    'secret must be whsec_ followed by base64 of 24 to 64 bytes (omit it to get one generated)',
  );

/** One status change on its way to the tenant's endpoint (BullMQ `webhooks` queue). */
export const WebhookJobSchema = z.object({
  /** `webhook-id`: the same on every attempt, so the receiver can drop repeats. */
  deliveryId: z.string().min(1).max(128),
  tenant: z.string(),
  sessionId: z.string(),
  turn: z.number().int().nonnegative(),
  type: WebhookEventTypeSchema,
  /** When the change happened (epoch ms). */
  at: z.number().int(),
  /** The session event's data (status event detail, budget figures) plus `reason` when known. */
  data: z.record(z.string(), z.unknown()),
});
export type WebhookJob = z.infer<typeof WebhookJobSchema>;

/** One attempt in a tenant's delivery log, newest first. */
export const WebhookDeliverySchema = z.object({
  deliveryId: z.string().describe('The webhook-id header: the same on every attempt.'),
  type: WebhookEventTypeSchema,
  sessionId: z.string(),
  attempt: z.number().int().min(1).describe('1 for the first try.'),
  outcome: z
    .enum(['delivered', 'retrying', 'failed', 'refused'])
    .describe(
      'delivered: 2xx; retrying: another attempt follows; failed: attempts spent; refused: the ' +
        'URL or its address is not allowed (not retried).',
    ),
  httpStatus: z.number().int().optional().describe('The receiver’s HTTP status, if it answered.'),
  error: z.string().optional().describe('Why the attempt failed.'),
  at: z.number().int().describe('When the attempt ended (epoch ms).'),
  durationMs: z.number().int().nonnegative(),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookSetInput = z
  .object({
    url: z
      .string()
      .min(1)
      .max(2048)
      .describe(
        'Where to POST (allowed prefixes: WEBHOOK_ALLOWED_URLS, default https://; private, ' +
          'loopback and link-local addresses are refused unless a prefix names the host).',
      ),
    events: z
      .array(WebhookEventTypeSchema)
      .min(1)
      .max(WEBHOOK_EVENT_TYPES.length)
      .optional()
      .describe(`What to send; default: all of ${WEBHOOK_EVENT_TYPES.join(', ')}.`),
    secret: WebhookSecretSchema.optional().describe(
      'Signing secret (whsec_<base64>); absent: a new one is generated and shown once.',
    ),
    enabled: z
      .boolean()
      .optional()
      .describe('false: keep the webhook but send nothing (default true).'),
  })
  .strict();
export type WebhookSetArgs = z.infer<typeof WebhookSetInput>;

export const WebhookDeliveriesInput = z
  .object({
    limit: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('Newest attempts to return (default 20, at most 100).'),
  })
  .strict();
export type WebhookDeliveriesArgs = z.infer<typeof WebhookDeliveriesInput>;
