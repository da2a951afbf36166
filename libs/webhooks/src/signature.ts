import { createHmac, randomBytes } from 'node:crypto';

/*
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signature is
 * `v1,` + base64(HMAC-SHA256(secret bytes, "<webhook-id>.<webhook-timestamp>.<body>")), the secret
 * is `whsec_` + base64 of its bytes. node:crypto in a few lines rather than a dependency: the
 * reference package (`standardwebhooks`) only verifies it in the tests.
 */

const PREFIX = 'whsec_';

/** A new secret: 32 random bytes, as the spec recommends (24 to 64). */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** `v1,<base64>` for the message; `timestamp` in whole seconds, as sent in webhook-timestamp. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(
    secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret,
    'base64',
  );
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three headers of a signed delivery, and its content type. */
export function signedHeaders(
  secret: string,
  id: string,
  body: string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
}
