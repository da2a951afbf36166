import { randomUUID } from 'node:crypto';
import { useTestRedisTarget } from '@app/testing/services';
import { newWebhookSecret, WebhookStore, WebhookTargets } from '@app/webhooks';
import { listingOf } from '../mcp/server-factory';
import { answerOf } from '../mcp/tool-calls';
import type { ToolContext, ToolDefinition } from '../mcp/toolset';
import { WebhookService } from './webhook.service';
import { webhookTools } from './webhook.tools';

describe('webhook_set and webhook_deliveries (real Redis)', () => {
  const redis = useTestRedisTarget({ topology: 'single', label: 'webhook-tools' });
  let store: WebhookStore;
  let tools: Map<string, ToolDefinition>;

  beforeAll(() => {
    store = new WebhookStore(redis().client());
    const operator = {
      managed: {
        url: 'https://hooks.example.com/csb',
        secret: newWebhookSecret(),
        events: ['session.failed' as const],
      },
    };
    const allowedUrls = ['https://'];
    const targets = new WebhookTargets(store, { operator, allowedUrls });
    const service = new WebhookService({ store, targets, allowedUrls });
    tools = new Map(webhookTools(service).map((t) => [t.name, t]));
  });

  async function call(tenant: string, name: string, args: Record<string, unknown>) {
    const tool = tools.get(name);
    if (!tool) throw new Error(`no tool ${name}`);
    const ctx = { tenant, signal: new AbortController().signal } as ToolContext;
    const parsed = tool.input.parse(args);
    const structured = await tool.handler(parsed, ctx);
    const wire = JSON.parse(JSON.stringify(structured)) as Record<string, unknown>;
    // Parsing drops unknown keys: equality catches a key the output schema does not advertise.
    expect(tool.output?.parse(wire)).toEqual(wire);
    return { structured: wire, text: answerOf(tool, parsed, structured).content[0] };
  }

  it('are advertised with annotations, output schemas and described inputs', () => {
    const listed = listingOf([...tools.values()]);
    expect(listed.map((t) => [t.name, t.annotations?.readOnlyHint])).toEqual([
      ['webhook_set', false],
      ['webhook_deliveries', true],
    ]);
    for (const tool of listed) {
      const props = (tool.inputSchema as { properties: Record<string, { description?: string }> })
        .properties;
      for (const p of Object.values(props)) expect(p.description).toEqual(expect.any(String));
      expect(tool.outputSchema).toMatchObject({ type: 'object' });
    }
  });

  it('sets a webhook and shows its generated secret once', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const { structured, text } = await call(tenant, 'webhook_set', {
      url: 'https://93.184.215.14/hooks',
      events: ['session.idle'],
    });
    expect(structured).toMatchObject({
      webhookId: expect.stringMatching(/^wh_/),
      url: 'https://93.184.215.14/hooks',
      events: ['session.idle'],
      enabled: true,
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(text).toMatchObject({
      type: 'text',
      text: expect.stringContaining(String(structured.secret)),
    });
    const read = await call(tenant, 'webhook_deliveries', {});
    expect(read.structured).toEqual({
      webhook: {
        webhookId: structured.webhookId,
        url: 'https://93.184.215.14/hooks',
        events: ['session.idle'],
        enabled: true,
        source: 'tenant',
      },
      deliveries: [],
    });
    expect(JSON.stringify(read)).not.toContain(String(structured.secret));
  });

  it.each(['https://10.0.0.7/hook', 'https://127.0.0.1/hook', 'https://169.254.169.254/'])(
    'refuses %s, a private address, with a clear error and stores nothing',
    async (url) => {
      const tenant = `t-${randomUUID().slice(0, 8)}`;
      await expect(call(tenant, 'webhook_set', { url })).rejects.toThrow(
        /is a loopback, private or link-local address; webhooks may only reach public hosts unless the operator names the host in WEBHOOK_ALLOWED_URLS/,
      );
      expect(await store.get(tenant)).toBeUndefined();
    },
  );

  it('refuses a URL outside WEBHOOK_ALLOWED_URLS and a malformed secret', async () => {
    await expect(call('t-x', 'webhook_set', { url: 'http://93.184.215.14/' })).rejects.toThrow(
      /not allowed for webhooks; allowed URL prefixes: https:\/\//,
    );
    await expect(
      call('t-x', 'webhook_set', { url: 'https://93.184.215.14/', secret: 'hunter2' }),
    ).rejects.toThrow(/whsec_/);
  });

  it('leaves a webhook the operator set alone', async () => {
    await expect(call('managed', 'webhook_set', { url: 'https://93.184.215.14/' })).rejects.toThrow(
      /set by the operator \(WEBHOOKS\)/,
    );
    const read = await call('managed', 'webhook_deliveries', {});
    expect(read.structured.webhook).toMatchObject({
      source: 'operator',
      url: 'https://hooks.example.com/csb',
    });
  });

  it('shows a tenant only its own deliveries', async () => {
    const [a, b] = [`a-${randomUUID().slice(0, 8)}`, `b-${randomUUID().slice(0, 8)}`];
    await call(a, 'webhook_set', { url: 'https://93.184.215.14/a' });
    await store.logAttempt(a, {
      deliveryId: 'msg_a',
      type: 'session.idle',
      sessionId: randomUUID(),
      attempt: 1,
      outcome: 'delivered',
      httpStatus: 200,
      at: Date.now(),
      durationMs: 3,
    });
    expect((await call(a, 'webhook_deliveries', {})).structured.deliveries).toEqual([
      expect.objectContaining({ deliveryId: 'msg_a', outcome: 'delivered' }),
    ]);
    expect((await call(b, 'webhook_deliveries', {})).structured).toEqual({
      webhook: null,
      deliveries: [],
    });
  });
});
