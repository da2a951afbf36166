/**
 * Webhooks end to end: a tenant sets its webhook over MCP, its session's status changes reach a
 * real HTTP receiver signed with the secret webhook_set showed (the worker queues idle as the
 * turn ends, the gateway queues terminated), the delivery log shows them to that tenant only,
 * and a private address is refused at webhook_set.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Webhook } from 'standardwebhooks';
import { eventually } from '@app/testing/eventually';
import { WebhookReceiver } from '@app/webhooks/spec/receiver';
import {
  callTool,
  callToolAnswer,
  connectClient,
  startRealCliSystem,
  type RealCliSystem,
} from './support/system';

interface Deliveries {
  webhook: { webhookId: string; url: string } | null;
  deliveries: Array<{
    deliveryId: string;
    type: string;
    attempt: number;
    outcome: string;
    httpStatus?: number;
  }>;
}

describe('webhooks (gateway, worker, real CLI, real HTTP receiver)', () => {
  const receiver = new WebhookReceiver();
  let world: RealCliSystem;
  let acme: Client;
  let globex: Client;
  let base: string;

  beforeAll(async () => {
    base = await receiver.start();
    world = await startRealCliSystem('webhooks', {
      WEBHOOK_ALLOWED_URLS: `https://,${base}/`,
      WEBHOOK_BACKOFF_MS: '50',
    });
    acme = await connectClient(world.system.urls[0], 'acme');
    globex = await connectClient(world.system.urls[0], 'globex');
  });

  afterAll(async () => {
    await Promise.allSettled([acme?.close(), globex?.close()]);
    await world?.close();
    await receiver.close();
  });

  it('delivers idle and terminated, signed, and logs them for their tenant only', async () => {
    const set = await callTool<{ webhookId: string; secret: string }>(acme, 'webhook_set', {
      url: `${base}/acme`,
      events: ['session.idle', 'session.terminated'],
    });
    world.stub.enqueue({ text: 'Done.' });
    const { sessionId } = await callTool<{ sessionId: string }>(acme, 'session_start', {
      prompt: 'say done',
      wait: true,
    });
    await eventually('the idle delivery', () => receiver.at('/acme').length === 1, 20_000);
    await callTool(acme, 'session_terminate', { sessionId });
    await eventually('the terminated delivery', () => receiver.at('/acme').length === 2, 20_000);

    const verifier = new Webhook(set.secret);
    const bodies = receiver.at('/acme').map((r) =>
      verifier.verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      }),
    );
    expect(bodies).toEqual([
      expect.objectContaining({ type: 'session.idle', tenant: 'acme', sessionId, turn: 1 }),
      expect.objectContaining({ type: 'session.terminated', tenant: 'acme', sessionId }),
    ]);

    await eventually('both logged', async () => {
      const log = await callTool<Deliveries>(acme, 'webhook_deliveries', {});
      return log.deliveries.length === 2;
    });
    const log = await callTool<Deliveries>(acme, 'webhook_deliveries', {});
    expect(log.webhook).toMatchObject({ webhookId: set.webhookId, url: `${base}/acme` });
    expect(log.deliveries.map((d) => [d.type, d.outcome, d.httpStatus])).toEqual([
      ['session.terminated', 'delivered', 204],
      ['session.idle', 'delivered', 204],
    ]);
    expect(await callTool<Deliveries>(globex, 'webhook_deliveries', {})).toEqual({
      webhook: null,
      deliveries: [],
    });
  });

  it('refuses a private address at webhook_set with a tool error saying why', async () => {
    const answer = await callToolAnswer(globex, 'webhook_set', {
      url: 'https://192.168.1.20/hook',
    });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(
      /webhook host 192\.168\.1\.20 is a loopback, private or link-local address.*WEBHOOK_ALLOWED_URLS/,
    );
  });
});
