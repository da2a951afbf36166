import { z } from 'zod';
import { jsonOrFile } from './json-or-file';
import { WebhookEventTypeSchema, WebhookSecretSchema, WEBHOOK_EVENT_TYPES } from '@app/contracts';
import { placeholderIn, placeholderMessage } from './placeholder-secrets';

/** A webhook the operator set for a tenant (WEBHOOKS); it takes precedence over webhook_set's. */
const OperatorWebhookSchema = z
  .object({
    url: z.string().url(),
    secret: WebhookSecretSchema,
    events: z
      .array(WebhookEventTypeSchema)
      .min(1)
      .default([...WEBHOOK_EVENT_TYPES]),
  })
  .strict();
export type OperatorWebhook = z.infer<typeof OperatorWebhookSchema>;

const TableSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), OperatorWebhookSchema);

/**
 * WEBHOOKS: inline JSON (`{"acme": {"url": "https://…", "secret": "whsec_…"}}`) or the path of a
 * file holding it (a mounted Secret: the secrets sign the deliveries). Read once at start-up; the
 * URLs are checked against WEBHOOK_ALLOWED_URLS when the webhook service starts.
 */
export const webhooksVariable = z
  .string()
  .optional()
  .transform((raw, ctx): Readonly<Record<string, OperatorWebhook>> => {
    if (raw === undefined) return {};
    const json = jsonOrFile(raw, ctx, { quoteParseError: false });
    if (json === z.NEVER) return z.NEVER;
    const parsed = TableSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({
          code: 'custom',
          message: `${issue.path.join('.') || 'the table'}: ${
            issue.code === 'invalid_key' ? 'a tenant name ([A-Za-z0-9_-])' : issue.message
          }`,
        });
      }
      return z.NEVER;
    }
    for (const [tenant, hook] of Object.entries(parsed.data)) {
      const placeholder = placeholderIn(hook.secret);
      if (placeholder) {
        ctx.addIssue({
          code: 'custom',
          message: placeholderMessage(`the secret of "${tenant}"`, placeholder),
        });
      }
    }
    return parsed.data;
  });
