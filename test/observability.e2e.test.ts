/*
 * Traces and logs of a real run: a gateway and a worker as their own processes (production
 * wiring), the real CLI against the Messages API stub, checkpoints in an S3-protocol server,
 * traces to a local OTLP receiver, every log line captured at debug level.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { discoverClaudeBinary } from '@app/claude';
import { eventually } from '@app/testing/eventually';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { startTestRedis, startTestS3, type TestRedis, type TestS3 } from '@app/testing/services';
import { WebhookReceiver } from '../libs/webhooks/src/spec/receiver';
import { freePort, startService, type ServiceProcess } from '../bench/system-processes';
import { OtlpCollector, type ReceivedSpan } from './support/otlp-collector';
import { callTool, connectClient, TENANT_KEYS } from './support/system';

const ANTHROPIC_KEY = `sk-ant-test-${randomBytes(12).toString('hex')}`;
const ADMIN_KEY = `operator-${randomBytes(12).toString('hex')}`;

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

describe('observability: one turn traced gateway → queue → worker → CLI → relay, and its logs', () => {
  const collector = new OtlpCollector();
  const receiver = new WebhookReceiver();
  const output = { gateway: '', worker: '' };
  let redis: TestRedis;
  let s3: TestS3;
  let stub: MessagesStub;
  let dataDir: string;
  let worker: ServiceProcess;
  let gateway: ServiceProcess;
  let acme: Client;
  let webhookSecret: string;

  const lines = (role: keyof typeof output): LogLine[] =>
    output[role]
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    const [endpoint, hooks] = await Promise.all([collector.start(), receiver.start()]);
    [redis, s3, stub] = await Promise.all([
      startTestRedis({ label: 'observability' }),
      startTestS3({ label: 'observability' }),
      startMessagesStub(),
    ]);
    dataDir = mkdtempSync(join(tmpdir(), 'observability-'));
    const common = {
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.keyPrefix,
      DATA_DIR: dataDir,
      MCP_API_KEYS: Object.entries(TENANT_KEYS)
        .map(([tenant, key]) => `${tenant}:${key}`)
        .join(','),
      ADMIN_API_KEYS: ADMIN_KEY,
      WEBHOOK_ALLOWED_URLS: `https://,${hooks}/`,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      ...s3.env(),
    };
    worker = await startService(
      'apps/worker/src/main.ts',
      {
        ...common,
        WORKER_HEALTH_PORT: String(await freePort()),
        CLAUDE_BIN: discoverClaudeBinary({ path: '' }),
        ANTHROPIC_BASE_URL: stub.url,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      },
      'worker ready',
      undefined,
      (text) => (output.worker += text),
    );
    const port = await freePort();
    gateway = await startService(
      'apps/gateway/src/main.ts',
      { ...common, PORT: String(port) },
      'gateway listening',
      undefined,
      (text) => (output.gateway += text),
    );
    acme = await connectClient(new URL(`http://127.0.0.1:${port}/mcp`), 'acme');
    ({ secret: webhookSecret } = await callTool<{ secret: string }>(acme, 'webhook_set', {
      url: `${hooks}/acme`,
    }));
  }, 120_000);

  afterAll(async () => {
    await acme?.close();
    await Promise.allSettled([gateway?.stop(), worker?.stop()]);
    await Promise.allSettled([redis?.close(), s3?.close(), stub?.close(), collector.close()]);
    await receiver.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (process.env.SHOW_TRACE)
      writeFileSync('/tmp/obs-output.txt', output.gateway + output.worker);
  });

  const clientTrace = randomBytes(16).toString('hex');
  const clientSpan = randomBytes(8).toString('hex');
  let sessionId: string;

  it("continues the client's traceparent through the queue to the CLI and back", async () => {
    stub.enqueue({ text: 'Traced.' });
    const answer = await acme.callTool(
      {
        name: 'session_start',
        arguments: { prompt: 'say traced', wait: true },
        _meta: { traceparent: `00-${clientTrace}-${clientSpan}-01` },
      },
      undefined,
      { timeout: 60_000 },
    );
    sessionId = (answer.structuredContent as { sessionId: string }).sessionId;
    expect(answer.isError).toBeFalsy();

    const named = (name: string) => (s: ReceivedSpan) => s.name === name;
    const expected = ['tools/call session_start', 'turn relay', 'turn', 'cli turn', 'checkpoint'];
    await eventually(
      () => `the turn's spans; got:\n${collector.tree(clientTrace)}`,
      () => expected.every((n) => collector.trace(clientTrace).some(named(n))),
      20_000,
    );
    const spans = collector.trace(clientTrace);
    if (process.env.SHOW_TRACE) console.log(collector.tree(clientTrace));
    const one = (name: string | RegExp) => {
      const found = spans.filter((s) =>
        typeof name === 'string' ? s.name === name : name.test(s.name),
      );
      expect(found).toHaveLength(1);
      return found[0];
    };
    const call = one('tools/call session_start');
    const add = one(/^add turns/);
    const processed = one(/^process turns/);
    const turn = one('turn');
    // The tree: the client's span → the gateway's call → the queue → the worker's turn → its parts.
    expect(call).toMatchObject({ service: 'csb-gateway', parentSpanId: clientSpan });
    expect(call.attributes).toMatchObject({
      'gen_ai.tool.name': 'session_start',
      'csb.tenant': 'acme',
      'csb.session_id': sessionId,
    });
    expect(add.parentSpanId).toBe(call.spanId);
    expect(processed).toMatchObject({ service: 'csb-worker', parentSpanId: add.spanId });
    expect(turn.parentSpanId).toBe(processed.spanId);
    expect(turn.attributes).toMatchObject({
      'csb.session_id': sessionId,
      'csb.turn': 1,
      'messaging.message.id': `${sessionId}.1`,
      'csb.turn.outcome': 'done',
    });
    for (const part of ['cli start', 'cli turn', 'checkpoint']) {
      expect(one(part).parentSpanId).toBe(turn.spanId);
    }
    expect(one('turn relay').parentSpanId).toBe(call.spanId);
    // Nothing ended as an error, and every span ended after it started.
    expect(spans.filter((s) => s.statusCode === 2)).toEqual([]);
    expect(spans.every((s) => s.endNs >= s.startNs)).toBe(true);
  });

  it("puts the trace id in the turn's running status event", async () => {
    const { events } = await callTool<{ events: Array<{ kind: string; data: unknown }> }>(
      acme,
      'session_events',
      { sessionId },
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'status',
        data: { status: 'running', traceId: clientTrace },
      }),
    );
  });

  it("writes the turn's tenant, session, turn, job and trace ids on every worker line of it", async () => {
    await eventually('the turn finished line', () =>
      lines('worker').some((l) => l.msg === 'turn finished'),
    );
    const ofTurn = lines('worker').filter((l) => l.jobId === `${sessionId}.1`);
    expect(ofTurn.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['turn running', 'turn finished']),
    );
    for (const line of ofTurn) {
      expect(line).toMatchObject({ tenant: 'acme', sessionId, turn: 1, traceId: clientTrace });
    }
    // The gateway's lines of the call carry the tenant and the trace too.
    const gatewayOfCall = lines('gateway').filter((l) => l.traceId === clientTrace);
    for (const line of gatewayOfCall) expect(line).toMatchObject({ tenant: 'acme' });
  });

  it("logs a client's mistake below error, without a stack", async () => {
    const before = lines('gateway').length;
    const unknown = await acme.callTool({
      name: 'session_status',
      arguments: { sessionId: randomUUID() },
    });
    expect(unknown.isError).toBe(true);
    const bad = await acme.callTool({ name: 'session_send', arguments: { sessionId: 'nope' } });
    expect(bad.isError).toBe(true);
    // Give the gateway's log a chance to hold the calls' lines: a status call after them.
    await callTool(acme, 'session_status', { sessionId });
    const after = lines('gateway').slice(before);
    expect(after.filter((l) => l.level >= 50)).toEqual([]);
    expect(after.filter((l) => /\n\s+at /.test(JSON.stringify(l)))).toEqual([]);
  });

  it('never writes a key or secret it was given, in any line of the whole run', async () => {
    await eventually('the idle webhook delivered', () => receiver.at('/acme').length >= 1, 20_000);
    const everything = output.gateway + output.worker;
    // The whole run at debug level: start-up, the turn, its webhook, the calls above.
    expect(lines('gateway').length + lines('worker').length).toBeGreaterThan(30);
    const secrets = {
      'tenant key acme': TENANT_KEYS.acme,
      'tenant key globex': TENANT_KEYS.globex,
      'operator key': ADMIN_KEY,
      'Anthropic key': ANTHROPIC_KEY,
      'S3 secret': s3.secretAccessKey,
      'webhook secret': webhookSecret,
      'webhook secret body': webhookSecret.replace(/^whsec_/, ''),
    };
    const leaked = Object.entries(secrets).filter(([, value]) => everything.includes(value));
    expect(leaked.map(([name]) => name)).toEqual([]);
  });
});
