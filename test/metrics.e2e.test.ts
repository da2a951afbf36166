/**
 * /metrics of a real gateway and a real worker after a real turn (the CLI stand-in as `claude`,
 * real Redis and BullMQ): every series the k8s/monitoring files use is served, the values are
 * those the turn explains, the endpoint needs no tenant key, and no label carries a session id.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eventually } from '@app/testing/eventually';
import { startTestRedis, type TestRedis } from '@app/testing/services';
import { buildCliStandin } from '../libs/testing/cli-standin/build';
import { parseSamples, valueOf, type Sample } from './support/prometheus-text';
import {
  callTool,
  callToolAnswer,
  connectClient,
  startSystem,
  type RunningSystem,
} from './support/system';

let redis: TestRedis;
let system: RunningSystem;
let client: Client;
let sessionId: string;

function baseUrl(app: INestApplication): string {
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

async function scrape(app: INestApplication): Promise<{ text: string; samples: Sample[] }> {
  // No Authorization header: Prometheus scrapes without a tenant key.
  const res = await fetch(`${baseUrl(app)}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseSamples(text) };
}

beforeAll(async () => {
  const bin = await buildCliStandin();
  redis = await startTestRedis({ label: 'metrics' });
  system = await startSystem({
    redisUrl: redis.url,
    keyPrefix: redis.keyPrefix,
    env: {
      CLAUDE_BIN: bin,
      SANDBOX: 'none',
      // The session stays idle with its CLI for the scrape, and holds acme's only slot.
      SESSION_IDLE_MS: '600000',
      TENANT_LIMITS: JSON.stringify({ acme: { maxSessions: 1 } }),
    },
  });
  client = await connectClient(system.urls[0], 'acme');
  const turn = await callTool<{ sessionId: string; status: string }>(client, 'session_start', {
    prompt: '[[standin recording=text]] Hello',
    wait: true,
  });
  expect(turn.status).toBe('idle');
  sessionId = turn.sessionId;
  // A second session is over acme's maxSessions: one refusal to count.
  const refused = await callToolAnswer(client, 'session_start', { prompt: 'one too many' });
  expect(refused.isError).toBe(true);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await system?.close();
  await redis?.close();
});

it("serves the worker's turn, queue, checkpoint and CLI series after a turn", async () => {
  // The checkpoint after the turn is taken once the turn's answer is out: wait for it.
  let worker = await scrape(system.worker);
  await eventually('the checkpoint to be measured', async () => {
    worker = await scrape(system.worker);
    return (valueOf(worker.samples, 'csb_checkpoint_duration_seconds_count') ?? 0) >= 1;
  });
  const { samples } = worker;
  expect(valueOf(samples, 'csb_turns_started_total', { tenant: 'acme' })).toBeGreaterThanOrEqual(1);
  expect(valueOf(samples, 'csb_turns_total', { tenant: 'acme', outcome: 'completed' })).toBe(1);
  expect(valueOf(samples, 'csb_turn_duration_seconds_count', { outcome: 'completed' })).toBe(1);
  expect(valueOf(samples, 'csb_queue_wait_seconds_count')).toBeGreaterThanOrEqual(1);
  expect(valueOf(samples, 'csb_checkpoint_size_bytes_sum')).toBeGreaterThan(0);
  expect(valueOf(samples, 'csb_checkpoint_stored_bytes_total')).toBeGreaterThan(0);
  expect(valueOf(samples, 'csb_worker_ready')).toBe(1);
  expect(valueOf(samples, 'csb_worker_concurrency')).toBe(4);
  expect(valueOf(samples, 'csb_worker_running_turns')).toBe(0);
  expect(valueOf(samples, 'csb_cli_processes')).toBe(1);
  expect(valueOf(samples, 'csb_cli_memory_bytes')).toBeGreaterThan(0);
  expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
});

it("serves the gateway's request, relay, session, queue and refusal series", async () => {
  const { samples } = await scrape(system.gateways[0]);
  expect(valueOf(samples, 'csb_gateway_requests_total', { status: '200' })).toBeGreaterThan(0);
  // The SDK client may hold its GET stream open: counted, like any SSE response.
  expect(valueOf(samples, 'csb_gateway_open_streams')).toBeGreaterThanOrEqual(0);
  expect(valueOf(samples, 'csb_event_latency_seconds_count')).toBeGreaterThan(0);
  expect(valueOf(samples, 'csb_relay_lag_seconds_count')).toBeGreaterThan(0);
  // Relayed within the 30 s bucket: the turn took a fraction of that.
  expect(valueOf(samples, 'csb_event_latency_seconds_bucket', { le: '30' })).toBe(
    valueOf(samples, 'csb_event_latency_seconds_count'),
  );
  expect(valueOf(samples, 'csb_queue_waiting_turns')).toBe(0);
  expect(valueOf(samples, 'csb_sessions', { tenant: 'acme', status: 'idle' })).toBe(1);
  expect(valueOf(samples, 'csb_pending_approvals', { tenant: 'acme' })).toBeUndefined();
  expect(
    valueOf(samples, 'csb_quota_refusals_total', { quota: 'maxSessions', tenant: 'acme' }),
  ).toBe(1);
  expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
});

it('serves every csb_* metric the alerts, dashboard and HPA expect (prometheus-rule.yaml)', async () => {
  const rule = readFileSync(join(__dirname, '../k8s/monitoring/prometheus-rule.yaml'), 'utf8');
  const expected = [...rule.matchAll(/^#\s+(csb_\w+)/gm)].map((m) => m[1]);
  expect(expected.length).toBeGreaterThan(5);
  const [gateway, worker] = await Promise.all([scrape(system.gateways[0]), scrape(system.worker)]);
  const served = new Set(
    [...gateway.samples, ...worker.samples].map((s) => s.name.replace(/_(bucket|sum|count)$/, '')),
  );
  expect(expected.filter((name) => !served.has(name))).toEqual([]);
});

it('bounds labels: no session id, no tenant beyond the configured ones', async () => {
  const [gateway, worker] = await Promise.all([scrape(system.gateways[0]), scrape(system.worker)]);
  for (const { text, samples } of [gateway, worker]) {
    expect(text).not.toContain(sessionId);
    const csb = samples.filter((s) => s.name.startsWith('csb_'));
    const values = csb.flatMap((s) => Object.values(s.labels));
    // Nothing id-like: uuids or long random tokens.
    expect(values.filter((v) => /[0-9a-f]{8}-[0-9a-f]{4}|[A-Za-z0-9_-]{20,}/.test(v))).toEqual([]);
    const tenants = new Set(csb.flatMap((s) => s.labels.tenant ?? []));
    expect([...tenants].filter((t) => !['acme', 'globex', 'other'].includes(t))).toEqual([]);
  }
});

it('is not served through a proxy (the public Ingress forwards every path to the gateway)', async () => {
  const res = await fetch(`${baseUrl(system.gateways[0])}/metrics`, {
    headers: { 'x-forwarded-for': '203.0.113.7' },
  });
  expect(res.status).toBe(404);
  expect(await res.text()).not.toContain('csb_');
});
