import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { WebhookEventType } from '@app/contracts';
import { EventWriter } from '@app/stream';
import { eventually } from '@app/testing/eventually';
import { useTestRedisTarget } from '@app/testing/services';
import { newWebhookSecret } from './signature';
import { WebhookReceiver } from './spec/receiver';
import { StatusHookedEventLog } from './status-hooked-event-log';
import { StatusWebhooks, type SessionFacts } from './status-webhooks';
import { WebhookQueue } from './webhook-queue';
import { WebhookSender } from './webhook-sender';
import { WebhookStore } from './webhook-store';
import { WebhookTargets } from './webhook-targets';

/**
 * The whole path on real parts: a status event appended to a session's stream (real Redis) is
 * queued (real BullMQ), POSTed signed to a real HTTP receiver, retried on failure, and logged.
 */
describe('webhook deliveries (real Redis, BullMQ and HTTP)', () => {
  // Before the Redis hooks: jest runs afterAll hooks in the order declared, and BullMQ must let go
  // of Redis before the server stops.
  afterAll(async () => {
    await queue.close();
    await receiver.close();
  });
  const redis = useTestRedisTarget({ topology: 'single', label: 'webhooks' });
  const receiver = new WebhookReceiver();
  const facts = new Map<string, SessionFacts>();
  let base: string;
  let store: WebhookStore;
  let queue: WebhookQueue;
  let log: StatusHookedEventLog;
  /** Each attempt's outcome, as the sender reports it (what csb_webhook_deliveries_total counts). */
  const outcomes: string[] = [];

  beforeAll(async () => {
    base = await receiver.start();
    const allowedUrls = ['https://', `${base}/`];
    store = new WebhookStore(redis().client());
    // No cache: each test sets its tenant's webhook right before it appends.
    const targets = new WebhookTargets(store, { allowedUrls, cacheMs: 0 });
    queue = new WebhookQueue(redis().queueRedis(), { attempts: 3, backoffMs: 20 });
    const sender = new WebhookSender({
      targets,
      store,
      allowedUrls,
      timeoutMs: 2_000,
      onAttempt: (outcome) => outcomes.push(outcome),
    });
    queue.process((job, attempt) => sender.send(job, attempt));
    const webhooks = new StatusWebhooks({
      targets,
      queue,
      sessionFacts: async (id) => facts.get(id),
      logger: { warn: (details, message) => console.warn(message, details) },
    });
    log = new StatusHookedEventLog(redis().client(), {}, webhooks);
  });

  /** A tenant with its webhook at `path`, and one session of it. */
  async function tenantWith(path: string, events?: WebhookEventType[]) {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const sessionId = randomUUID();
    const secret = newWebhookSecret();
    facts.set(sessionId, { tenant, lastError: 'the CLI exited with code 1' });
    await store.set(tenant, {
      webhookId: 'wh_test',
      url: `${base}${path}`,
      secret,
      events: events ?? ['session.idle', 'session.failed', 'session.waiting'],
      enabled: true,
    });
    return { tenant, sessionId, secret };
  }

  it('POSTs a status change signed as Standard Webhooks says, once, and logs it', async () => {
    const { tenant, sessionId, secret } = await tenantWith('/signed');
    await log.append(sessionId, [
      { turn: 1, kind: 'status', data: { status: 'running' } },
      { turn: 1, kind: 'claude', data: { type: 'result', subtype: 'success' } },
      { turn: 1, kind: 'status', data: { status: 'idle' } },
    ]);
    await eventually('the delivery', () => receiver.at('/signed').length === 1);
    const [got] = receiver.at('/signed');
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(got.headers['content-type']).toBe('application/json');
    expect(new Webhook(secret).verify(got.body, headers)).toMatchObject({
      type: 'session.idle',
      tenant,
      sessionId,
      turn: 1,
      data: { status: 'idle' },
    });
    await eventually('the log entry', async () => (await store.deliveries(tenant, 10)).length > 0);
    expect(await store.deliveries(tenant, 10)).toEqual([
      expect.objectContaining({
        deliveryId: headers['webhook-id'],
        type: 'session.idle',
        attempt: 1,
        outcome: 'delivered',
        httpStatus: 204,
      }),
    ]);
  });

  it('retries a delivery the receiver failed, with the same webhook-id, and logs each attempt', async () => {
    const { tenant, sessionId } = await tenantWith('/flaky');
    receiver.answer = (r, nth) => (r.path === '/flaky' && nth === 1 ? 500 : 204);
    outcomes.length = 0;
    await log.append(sessionId, [{ turn: 2, kind: 'status', data: { status: 'failed' } }]);
    await eventually('two attempts', async () => (await store.deliveries(tenant, 10)).length === 2);
    const [first, second] = receiver.at('/flaky');
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(JSON.parse(second.body)).toMatchObject({
      type: 'session.failed',
      data: { status: 'failed', reason: 'the CLI exited with code 1' },
    });
    expect(await store.deliveries(tenant, 10)).toEqual([
      expect.objectContaining({ attempt: 2, outcome: 'delivered', httpStatus: 204 }),
      expect.objectContaining({ attempt: 1, outcome: 'retrying', httpStatus: 500 }),
    ]);
    expect(outcomes).toEqual(['retrying', 'delivered']);
  });

  it('gives up after the last attempt and says so in the log', async () => {
    const { tenant, sessionId } = await tenantWith('/down');
    receiver.answer = (r) => (r.path === '/down' ? 503 : 204);
    await log.append(sessionId, [{ turn: 1, kind: 'status', data: { status: 'idle' } }]);
    await eventually(
      'three attempts',
      async () => (await store.deliveries(tenant, 10)).length === 3,
    );
    expect((await store.deliveries(tenant, 10)).map((d) => [d.attempt, d.outcome])).toEqual([
      [3, 'failed'],
      [2, 'retrying'],
      [1, 'retrying'],
    ]);
  });

  it('sees a status the live writer appends (waiting), and only the events subscribed', async () => {
    const { tenant, sessionId } = await tenantWith('/writer', ['session.waiting']);
    const writer = new EventWriter(log, sessionId);
    writer.push({ turn: 1, kind: 'status', data: { status: 'running' } });
    writer.push({ turn: 1, kind: 'status', data: { status: 'waiting' } });
    await writer.flush();
    await log.append(sessionId, [{ turn: 1, kind: 'status', data: { status: 'idle' } }]);
    await writer.close();
    await eventually('the waiting delivery', () => receiver.at('/writer').length === 1);
    expect(JSON.parse(receiver.at('/writer')[0].body)).toMatchObject({ type: 'session.waiting' });
    // The idle change was not subscribed: a later change still arrives alone.
    await log.append(sessionId, [{ turn: 2, kind: 'status', data: { status: 'waiting' } }]);
    await eventually('the second delivery', () => receiver.at('/writer').length === 2);
    expect(receiver.at('/writer').map((r) => JSON.parse(r.body).type)).toEqual([
      'session.waiting',
      'session.waiting',
    ]);
    expect((await store.deliveries(tenant, 10)).every((d) => d.type === 'session.waiting')).toBe(
      true,
    );
  });

  it('refuses at delivery a URL that resolves to a private address, without retrying', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const sessionId = randomUUID();
    facts.set(sessionId, { tenant });
    // Set behind the policy's back (as if the name had pointed elsewhere when it was set).
    const port = new URL(base).port;
    await store.set(tenant, {
      webhookId: 'wh_rebound',
      url: `https://localhost:${port}/rebound`,
      secret: newWebhookSecret(),
      events: ['session.idle'],
      enabled: true,
    });
    await log.append(sessionId, [{ turn: 1, kind: 'status', data: { status: 'idle' } }]);
    await eventually('the refusal', async () => (await store.deliveries(tenant, 10)).length === 1);
    const [entry] = await store.deliveries(tenant, 10);
    expect(entry).toMatchObject({ attempt: 1, outcome: 'refused' });
    expect(entry.error).toMatch(/loopback, private or link-local/);
    expect(receiver.at('/rebound')).toEqual([]);
  });

  it('keeps each tenant’s delivery log to itself', async () => {
    const a = await tenantWith('/a');
    const b = await tenantWith('/b');
    await log.append(a.sessionId, [{ turn: 1, kind: 'status', data: { status: 'idle' } }]);
    await eventually(
      'A’s delivery',
      async () => (await store.deliveries(a.tenant, 10)).length === 1,
    );
    expect(await store.deliveries(b.tenant, 10)).toEqual([]);
    expect(receiver.at('/b')).toEqual([]);
  });
});
