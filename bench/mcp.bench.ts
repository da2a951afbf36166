/**
 * `npm run bench -- mcp`: the MCP layer on the 2.x SDK against the code before it (a worktree of
 * BASELINE_COMMIT, 1.x SDK), each gateway its own process on one Redis: gateway CPU per request
 * (/proc) and client-side p50/p99 for `tools/list` and a `session_status` call, per protocol era
 * (the baseline serves 2025-11-25 only). Then turns as tasks: how long creating a task takes
 * (recorded in Redis before the answer), and how long after the call's own end a client polling
 * tasks/get sees it completed. Last, approval round trips with the real CLI (mcp-approvals.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startEmbeddedRedis } from '@app/redis';
import { defineTool } from '../apps/gateway/src/mcp';
import { startTestGateway } from '../test/support/mcp-test-gateway';
import { nowMs, summarizeLatency } from './latency';
import { approvalRows } from './mcp-approvals';
import { EraClient, type Era } from './mcp-era-client';
import {
  baselineTree,
  BASELINE_COMMIT,
  ROOT,
  startGatewayAt,
  type GatewayUnderTest,
} from './mcp-gateways';
import type { BenchReport } from './report';

const KEY = 'bench-key-0123456789abcdef';
const WARMUP = 200;
const REQUESTS = Number(process.env.BENCH_MCP_REQUESTS ?? 2_000);
const TASKS = Number(process.env.BENCH_MCP_TASKS ?? 200);
const TICK_MS = 10;

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

interface Case {
  gateway: string;
  era: Era;
  method: string;
  run: (client: EraClient) => Promise<unknown>;
}

async function measure(g: GatewayUnderTest, c: Case, client: EraClient) {
  for (let i = 0; i < WARMUP; i++) await c.run(client);
  const samples: number[] = [];
  const cpuBefore = cpuMs(g.pid);
  for (let i = 0; i < REQUESTS; i++) {
    const started = nowMs();
    await c.run(client);
    samples.push(nowMs() - started);
  }
  const cpu = cpuMs(g.pid) - cpuBefore;
  const latency = summarizeLatency(samples);
  return {
    gateway: c.gateway,
    era: c.era,
    request: c.method,
    'gateway CPU µs/req': Math.round((cpu * 1000) / REQUESTS),
    'p50 ms': Number(latency.p50.toFixed(2)),
    'p99 ms': Number(latency.p99.toFixed(2)),
  };
}

async function requestRows(
  dir: string,
  redisUrl: string,
): Promise<Array<Record<string, string | number>>> {
  const env = { REDIS_URL: redisUrl, MCP_API_KEYS: `bench:${KEY}`, DATA_DIR: dir };
  const gateways: Record<string, GatewayUnderTest> = {
    [`before (${BASELINE_COMMIT}, SDK 1.x)`]: await startGatewayAt(baselineTree(), env),
    'after (SDK 2.4)': await startGatewayAt(ROOT, env),
  };
  const rows: Array<Record<string, string | number>> = [];
  try {
    // A session to ask about: queued (no worker runs here), so its record is all there is.
    const opener = new EraClient(Object.values(gateways)[1].url, KEY, '2025-11-25');
    await opener.open();
    const started = await opener.call('tools/call', {
      name: 'session_start',
      arguments: { prompt: 'hi' },
    });
    opener.close();
    const sessionId = String((started.structuredContent as { sessionId: string }).sessionId);
    const requests = [
      { method: 'tools/list', run: (c: EraClient) => c.call('tools/list') },
      {
        method: 'session_status',
        run: (c: EraClient) =>
          c.call('tools/call', { name: 'session_status', arguments: { sessionId } }),
      },
    ];
    // Interleaved by request kind, so drift on the shared machine hits both gateways alike.
    for (const { method, run } of requests) {
      for (const [label, g] of Object.entries(gateways)) {
        const eras: Era[] = label.startsWith('before')
          ? ['2025-11-25']
          : ['2026-07-28', '2025-11-25'];
        for (const era of eras) {
          const client = new EraClient(g.url, KEY, era);
          await client.open();
          rows.push(await measure(g, { gateway: label, era, method, run }, client));
          client.close();
        }
      }
    }
  } finally {
    await Promise.all(Object.values(gateways).map((g) => g.stop()));
  }
  return rows;
}

async function taskRows(redisUrl: string): Promise<Array<Record<string, string | number>>> {
  const ended = new Map<string, number>();
  const turn = defineTool({
    name: 'turn',
    description: 'Stands in for a turn: takes `ms`, notes when it ended.',
    input: z.object({ tag: z.string(), ms: z.number().int().min(0) }).strict(),
    handler: async ({ tag, ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      ended.set(tag, nowMs());
      return { tag };
    },
  });
  const gateway = await startTestGateway({
    redisUrl,
    apiKeys: `bench:${KEY}`,
    tools: [turn],
    taskTools: { turn: (args) => args },
    taskOptions: { pollIntervalMs: 1 },
  });
  const client = new EraClient(gateway.url, KEY, '2026-07-28', true);
  const create: number[] = [];
  const seen: number[] = [];
  const polls: number[] = [];
  try {
    for (let i = 0; i < TASKS; i++) {
      const tag = `t${i}`;
      const started = nowMs();
      const task = await client.call('tools/call', { name: 'turn', arguments: { tag, ms: 20 } });
      create.push(nowMs() - started);
      const taskId = String(task.taskId);
      for (;;) {
        const asked = nowMs();
        const got = await client.call('tasks/get', { taskId });
        polls.push(nowMs() - asked);
        if (got.status === 'completed') break;
      }
      seen.push(nowMs() - (ended.get(tag) ?? NaN));
    }
  } finally {
    client.close();
    await gateway.close();
  }
  const c = summarizeLatency(create);
  const s = summarizeLatency(seen);
  const g = summarizeLatency(polls);
  return [
    { measure: 'tasks/get (any status)', 'p50 ms': round(g.p50), 'p99 ms': round(g.p99) },
    {
      measure: 'task created (durable in Redis) → answer',
      'p50 ms': round(c.p50),
      'p99 ms': round(c.p99),
    },
    {
      measure: 'call ended → tasks/get sees completed (back-to-back polls)',
      'p50 ms': round(s.p50),
      'p99 ms': round(s.p99),
    },
  ];
}

const round = (n: number) => Number(n.toFixed(2));

export async function run(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mcp-'));
  const redis = await startEmbeddedRedis(dir);
  try {
    const rows = await requestRows(dir, redis.url);
    const tasks = await taskRows(redis.url);
    const approvals = await approvalRows();
    return {
      name: 'mcp: both eras on the 2.x SDK vs the 1.x gateway; turns as tasks; approvals',
      rows: [...rows, ...tasks, ...approvals],
      notes: [
        `${REQUESTS} sequential requests per row after ${WARMUP} of warm-up, one keep-alive connection; gateway CPU from /proc (10 ms ticks)`,
        '2025-11-25 rows run in an MCP session (initialize; SSE history kept in Redis for Last-Event-ID); 2026-07-28 rows are per-request (envelope, JSON answers)',
        `tasks: ${TASKS} tasks of a 20 ms stand-in call on an in-process gateway; the last figure includes the poll in flight when the call ended (one tasks/get)`,
        'approvals: the real CLI against the Messages API stub, one session, each turn one Bash prompt; the client answers with session_respond as soon as its waited session_send returns `waiting`; measured by the worker from the CLI’s can_use_tool request to writing its control_response',
      ],
    };
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
