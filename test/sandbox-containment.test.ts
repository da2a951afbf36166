/**
 * One session cannot exhaust the worker, with the default limits (SANDBOX_MAX_PROCESSES 512,
 * SANDBOX_MAX_MEMORY_BYTES 2 GiB; the disk limit lowered to 256 MiB so the test writes little),
 * also when the worker runs as root: the whole system (gateway, worker, real Redis, real CLI
 * against the Messages API stub), one session attacking through its Bash tool while another
 * keeps taking turns. Each attack is measured from the host (the session's cgroup, the worker
 * process's RSS) and the other session's turn latency during it is compared with before.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverClaudeBinary } from '@app/claude';
import { eventually } from '@app/testing/eventually';
import {
  startMessagesStub,
  type MessagesRequestBody,
  type MessagesStub,
  type RecordedRequest,
  type StubReply,
} from '@app/testing/messages-stub';
import { startTestRedis, type TestRedis } from '@app/testing/services';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  callTool,
  callToolAnswer,
  connectClient,
  startSystem,
  type RunningSystem,
} from './support/system';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const DISK_LIMIT = 256 * MiB;

let redis: TestRedis;
let stub: MessagesStub;
let system: RunningSystem;
let client: Client;
let bystander: string;
const figures: string[] = [];

/** Bash commands by name: a session whose first prompt is `RUN:<name>` runs it, then says done. */
const scripts: Record<string, string> = {};

function route(request: RecordedRequest): StubReply {
  const body = request.body as MessagesRequestBody;
  const first = JSON.stringify(body.messages[0]?.content ?? '');
  const last = JSON.stringify(body.messages.at(-1)?.content ?? '');
  const name = first.match(/RUN:(\w+)/)?.[1];
  if (!name || last.includes('tool_result')) return { text: 'done' };
  return { toolUse: { name: 'Bash', input: { command: scripts[name], description: name } } };
}

beforeAll(async () => {
  [redis, stub] = await Promise.all([
    startTestRedis({ label: 'sbxcontain' }),
    startMessagesStub({ defaultReply: route }),
  ]);
  system = await startSystem({
    redisUrl: redis.url,
    keyPrefix: redis.keyPrefix,
    env: {
      CLAUDE_BIN: discoverClaudeBinary({ path: '' }),
      ANTHROPIC_BASE_URL: stub.url,
      ANTHROPIC_API_KEY: 'test-key',
      SANDBOX_MAX_DISK_BYTES: String(DISK_LIMIT),
    },
  });
  if (sessionCgroups('pids').root === undefined) {
    throw new Error('test/sandbox-containment.test.ts needs per-session cgroups (pids, memory)');
  }
  client = await connectClient(system.urls[0], 'acme');
  const first = await turn('session_start', { prompt: 'hello' });
  bystander = first.sessionId;
});

afterAll(async () => {
  await client?.close();
  await system?.close();
  await Promise.allSettled([stub?.close(), redis?.close()]);
  if (figures.length) console.info(`sandbox containment figures:\n${figures.join('\n')}`);
});

interface Turn {
  sessionId: string;
  status: string;
  result?: { result?: string; is_error: boolean };
}
interface Events {
  events: Array<{ kind: string; data: { message?: string; code?: string } }>;
}

/** A waited turn's structuredContent, a failed one's too (its answer is then a tool error). */
async function turn(tool: string, args: Record<string, unknown>): Promise<Turn> {
  const answer = await callToolAnswer<Turn>(
    client,
    tool,
    { allowedTools: ['Bash'], ...args, wait: true },
    { timeout: 180_000 },
  );
  if (answer.structured.status === 'failed') expect(answer.isError).toBe(true);
  return answer.structured;
}

/** One follow-up of the bystander session, timed. */
async function bystanderTurn(): Promise<number> {
  const started = performance.now();
  const result = await callTool<Turn>(
    client,
    'session_send',
    { sessionId: bystander, message: 'still there?', wait: true },
    { timeout: 180_000 },
  );
  expect(result.status).toBe('idle');
  return performance.now() - started;
}

/** The session cgroups this worker process made, per controller (v1 or v2). */
function sessionCgroups(controller: 'pids' | 'memory'): { root?: string; leaves: string[] } {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1 = lines.find((l) => l.split(':')[1]?.split(',').includes(controller));
  const v2 = lines.find((l) => l.startsWith('0::'));
  const path = v1 ? v1.split(':')[2] : v2?.slice(3).replace(/\/claude-worker$/, '');
  if (path === undefined) return { leaves: [] };
  const root = v1 ? join('/sys/fs/cgroup', controller, path) : join('/sys/fs/cgroup', path);
  let names: string[] = [];
  try {
    names = readdirSync(root).filter((n) => n.startsWith(`claude-sbx-${process.pid}-`));
  } catch {
    return { leaves: [] };
  }
  return { root, leaves: names.map((n) => join(root, n)) };
}

function read(path: string): number {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === 'max' ? Infinity : Number(text);
  } catch {
    return 0;
  }
}

const v1 = readFileSync('/proc/self/cgroup', 'utf8').includes(':memory:');
const memoryNow = (leaf: string) =>
  read(join(leaf, v1 ? 'memory.usage_in_bytes' : 'memory.current'));
const memoryPeak = (leaf: string) =>
  read(join(leaf, v1 ? 'memory.max_usage_in_bytes' : 'memory.peak'));
const processesNow = (leaf: string) => read(join(leaf, 'pids.current'));

/** Samples the worker process's RSS and the sessions' cgroups until stopped. */
function sampler() {
  const peak = { rss: process.memoryUsage().rss, processes: 0, memory: 0 };
  const timer = setInterval(() => {
    peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
    for (const leaf of sessionCgroups('pids').leaves) {
      peak.processes = Math.max(peak.processes, processesNow(leaf));
    }
    for (const leaf of sessionCgroups('memory').leaves) {
      peak.memory = Math.max(peak.memory, memoryNow(leaf), memoryPeak(leaf));
    }
  }, 50);
  return { peak, stop: () => clearInterval(timer) };
}

async function errorOf(sessionId: string) {
  const { events } = await callTool<Events>(client, 'session_events', { sessionId });
  return events.find((e) => e.kind === 'error');
}

function toolResult(sessionId: string): string {
  void sessionId;
  for (const request of [...stub.conversationRequests()].reverse()) {
    const first = JSON.stringify(request.messages[0]?.content ?? '');
    if (!first.includes('RUN:')) continue;
    const last = request.messages.at(-1)?.content;
    if (!Array.isArray(last)) continue;
    const result = last.find((b: { type?: string }) => b.type === 'tool_result') as
      { content?: unknown } | undefined;
    if (result)
      return typeof result.content === 'string' ? result.content : JSON.stringify(result.content);
  }
  return '';
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
let baselineMs = 0;

it('measures the bystander’s turn latency and the worker’s RSS at rest', async () => {
  const samples = [await bystanderTurn(), await bystanderTurn(), await bystanderTurn()];
  baselineMs = samples.sort((a, b) => a - b)[1];
  figures.push(
    `  at rest: bystander turn ${baselineMs.toFixed(0)} ms (median of 3), worker RSS ${mib(process.memoryUsage().rss)}`,
  );
});

it('a fork bomb stops at SANDBOX_MAX_PROCESSES; the other session keeps taking turns', async () => {
  // Builtins only while the bomb runs: the session's own shell cannot fork either.
  scripts.forkbomb = [
    'exec 3< <(exec sleep 600); waiter=$!',
    "setsid bash -c 'b() { b | b & }; b' >/dev/null 2>&1 &",
    'bomb=$!',
    'read -t 5 -u 3',
    'n=0; for d in /proc/[0-9]*; do n=$((n+1)); done; echo "processes=$n"',
    'for ((i = 0; i < 500; i++)); do kill -9 -- -$bomb 2>/dev/null || break; done',
    'read -t 1 -u 3; kill $waiter',
    'n=0; for d in /proc/[0-9]*; do n=$((n+1)); done; echo "after=$n"',
  ].join('\n');
  const sample = sampler();
  const attack = turn('session_start', { prompt: 'RUN:forkbomb' });
  await eventually(
    'the fork bomb to reach the process limit',
    () => sessionCgroups('pids').leaves.some((leaf) => processesNow(leaf) >= 400),
    30_000,
  );
  const during = await bystanderTurn();
  const result = await attack;
  sample.stop();

  if (result.status === 'idle') {
    // The session survived its own bomb: the tool's output shows the cap.
    const out = toolResult(result.sessionId);
    const seen = Number(out.match(/processes=(\d+)/)?.[1]);
    expect(seen).toBeGreaterThan(100);
    expect(seen).toBeLessThanOrEqual(512);
  } else {
    expect((await errorOf(result.sessionId))?.data.message).toMatch(/SANDBOX_MAX_PROCESSES/);
  }
  expect(sample.peak.processes).toBeLessThanOrEqual(512);
  expect(sample.peak.processes).toBeGreaterThanOrEqual(400);
  figures.push(
    `  fork bomb (5 s): peak ${sample.peak.processes} tasks in the session's cgroup (limit 512); ` +
      `${toolResult(result.sessionId).match(/processes=\d+/)?.[0] ?? '-'} visible inside; ` +
      `attacking turn ${result.status}; bystander turn during it ${during.toFixed(0)} ms; ` +
      `worker RSS peak ${mib(sample.peak.rss)}`,
  );
});

it('a memory hog is stopped at SANDBOX_MAX_MEMORY_BYTES by the OOM killer; the CLI and the other session carry on', async () => {
  // Grows by 64 MiB at a time until something stops it; the shell reports how it ended.
  scripts.memoryhog = [
    'perl -e \'my @a; push @a, "x" x (64 * 2**20) while 1\'',
    'echo "hog exit=$?"',
  ].join('\n');
  const sample = sampler();
  const attack = turn('session_start', { prompt: 'RUN:memoryhog' });
  await eventually(
    'the memory hog to pass 1 GiB',
    () => sessionCgroups('memory').leaves.some((leaf) => memoryNow(leaf) >= GiB),
    30_000,
  );
  const during = await bystanderTurn();
  const result = await attack;
  sample.stop();

  expect(result.status).toBe('idle');
  const out = toolResult(result.sessionId);
  // 137 = 128 + SIGKILL: the kernel's OOM killer, within the session's cgroup.
  expect(out).toMatch(/Killed[\s\S]*hog exit=137/);
  expect(sample.peak.memory).toBeLessThanOrEqual(2 * GiB);
  figures.push(
    `  memory hog (perl, +64 MiB until stopped): session peak ${mib(sample.peak.memory)} (limit 2048 MiB), ` +
      `tool output "${out.trim().split('\n').at(-1)}"; ` +
      `bystander turn during it ${during.toFixed(0)} ms; worker RSS peak ${mib(sample.peak.rss)}`,
  );
});

it('a session whose CLI the OOM killer stops fails its turn with cli_failed naming the memory limit', async () => {
  // Many small processes: the CLI (~170 MiB) is the largest, so the kernel picks it.
  scripts.manyhogs = [
    'for ((i = 0; i < 250; i++)); do perl -e \'$x = "x" x (10 * 2**20); sleep 60\' & done',
    'wait',
  ].join('\n');
  const sample = sampler();
  const result = await turn('session_start', { prompt: 'RUN:manyhogs' });
  sample.stop();
  expect(result.status).toBe('failed');
  const error = await errorOf(result.sessionId);
  expect(error?.data.message).toMatch(
    /the session reached its memory limit, SANDBOX_MAX_MEMORY_BYTES \(2 GiB\): the kernel's OOM killer stopped/,
  );
  const during = await bystanderTurn();
  figures.push(
    `  CLI killed by the OOM killer: session peak ${mib(sample.peak.memory)}; error "${error?.data.message}"; ` +
      `bystander turn after it ${during.toFixed(0)} ms; worker RSS peak ${mib(sample.peak.rss)}`,
  );
});

it('a session that fills the disk is stopped at SANDBOX_MAX_DISK_BYTES, naming it', async () => {
  scripts.diskfill = [
    'for ((i = 0; i < 200; i++)); do head -c 20M /dev/zero > fill-$i.bin || break; read -t 0.1 <> <(:); done',
    'echo "wrote $i files"',
  ].join('\n');
  const sample = sampler();
  const result = await turn('session_start', { prompt: 'RUN:diskfill' });
  sample.stop();
  expect(result.status).toBe('failed');
  const error = await errorOf(result.sessionId);
  expect(error?.data.message).toMatch(
    /SANDBOX_MAX_DISK_BYTES \(256 MiB; measured (\d+(\.\d+)?) MiB\)/,
  );
  const measured = Number(error?.data.message?.match(/measured (\d+(\.\d+)?) MiB/)?.[1]);
  const during = await bystanderTurn();
  figures.push(
    `  disk filler (20 MiB every 100 ms): stopped at ${measured} MiB measured (limit 256 MiB); ` +
      `bystander turn after it ${during.toFixed(0)} ms`,
  );
});
