/**
 * A webhook receiver for trying this backend's webhooks by hand (docs/operations.md, "Try
 * webhooks by hand"). It verifies each delivery's Standard Webhooks signature with the reference
 * library, prints what it verified, and can answer 500 to the first N deliveries so the retries
 * (WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF_MS) can be watched arriving.
 *
 *   WEBHOOK_SECRET=whsec_… node -r @swc-node/register examples/webhook-receiver.ts \
 *     [--port 8787] [--host 127.0.0.1] [--fail-first N]
 *
 * `--fail-first` may also come from FAIL_FIRST. Not for production: one process, no storage.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** What the backend POSTs (README, "Webhooks"); only what is printed is typed. */
interface Delivery {
  type: string;
  tenant: string;
  sessionId: string;
  turn: number;
  at: string;
  data: unknown;
}

// Deliveries are small JSON objects: a bound keeps a stray client from filling memory.
const MAX_BODY_BYTES = 1024 * 1024;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8787' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    'fail-first': { type: 'string', default: process.env.FAIL_FIRST ?? '0' },
  },
  strict: true,
});

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('Set WEBHOOK_SECRET to the webhook secret (whsec_…): WEBHOOKS or webhook_set.');
  process.exit(2);
}
const port = wholeNumber('--port', values.port);
const failFirst = wholeNumber('--fail-first', values['fail-first']);
// Throws on a secret that is not base64 at start-up, rather than on the first delivery.
const verifier = new Webhook(secret);

let verified = 0;
// webhook-id is the same on every attempt of one delivery: a real receiver drops repeats.
const attemptsById = new Map<string, number>();

const server = createServer((req, res) => {
  if (req.method !== 'POST') return answer(res, 405, 'POST only');
  readBody(req).then(
    (body) => handle(req, res, body),
    (error: unknown) => answer(res, 413, error instanceof Error ? error.message : String(error)),
  );
});

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const headers = {
    'webhook-id': req.headers['webhook-id']?.toString() ?? '',
    'webhook-timestamp': req.headers['webhook-timestamp']?.toString() ?? '',
    'webhook-signature': req.headers['webhook-signature']?.toString() ?? '',
  };
  let delivery: Delivery;
  try {
    // verify() checks the HMAC over "id.timestamp.body" and that the timestamp is within 5 min
    // (replays), then parses the body; it must see the exact bytes received, not re-serialised.
    delivery = verifier.verify(body, headers) as Delivery;
  } catch (error) {
    // A bad signature, a stale timestamp or (signed but) unparsable JSON: refuse, never deliver.
    const message = error instanceof Error ? error.message : String(error);
    console.log(`REFUSED ${headers['webhook-id'] || '(no webhook-id)'}: ${message}`);
    return answer(res, error instanceof WebhookVerificationError ? 401 : 400, message);
  }
  const id = headers['webhook-id'];
  const attempt = (attemptsById.get(id) ?? 0) + 1;
  attemptsById.set(id, attempt);
  verified += 1;
  const status = verified <= failFirst ? 500 : 204;
  console.log(
    `${new Date().toISOString()} verified ${id} attempt ${attempt}${attempt > 1 ? ' (repeat)' : ''}: ` +
      `${delivery.type} tenant=${delivery.tenant} session=${delivery.sessionId} ` +
      `turn=${delivery.turn} at=${delivery.at} data=${JSON.stringify(delivery.data)} -> ${status}` +
      (status === 500 ? ` (failing ${verified} of the first ${failFirst} on purpose)` : ''),
  );
  answer(res, status, status === 500 ? 'failing on purpose' : '');
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function wholeNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

server.listen(port, values.host, () => {
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(
    `webhook receiver on http://${address}:${bound}/ (answers 500 to the first ${failFirst} ` +
      `verified deliveries); allow it with WEBHOOK_ALLOWED_URLS=http://${address}:${bound}/`,
  );
});
// Ctrl-C or a kill ends it at once: there is nothing to finish.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
