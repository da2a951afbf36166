/**
 * Streaming through the whole system: from the moment the CLI writes a line to the moment the
 * MCP client receives it as a progress notification, via worker → Redis stream → gateway relay →
 * MCP. Baseline in the same run: the same CLI processes read directly by this process with the
 * same parser (no queue, no Redis, no MCP).
 * Alone: npm run bench -- stream
 *
 * The CLI is the stand-in (libs/testing/cli-standin, C, built with `cc` on first use): it
 * replays the real CLI's recorded `long_text` turn (~100 text deltas) at the case's pace and
 * stamps each line just before writing it. Its own work is a few µs per line (a paced line costs
 * about one process wake-up), so the load generator does not starve the system it measures.
 *
 * BENCH_STREAM_BEFORE=<commit>: that commit's gateway and worker (a git worktree) run beside this
 * tree's, each pair on its own Redis, alternating run by run: before and after in one run.
 * BENCH_STREAM_VARIANT=NAME=value,...: a further system of this tree's with those settings.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliArgs, parseJsonl } from '@app/claude';
import { startEmbeddedRedis } from '@app/redis';
import { nowMs, summarizeLatency, type LatencySummary } from './latency';
import { RawMcpClient } from './raw-mcp-client';
import { baselineTree } from './mcp-gateways';
import { cpuSnapshot, cpuSpent, descendantsOf, type CpuGroup, type CpuSpent } from './stream-cpu';
import { buildCliStandin } from '../libs/testing/cli-standin/build';
import type { BenchReport } from './report';
import { SampleLog } from './sample-log';
import { freePort, startService, type ServiceProcess } from './system-processes';

const KEY = 'bench-key-0123456789abcdef';
/**
 * Sessions streaming at once, the pace of each, and their phase. 20 lines/s is a model streaming
 * steadily; 50 lines/s on 100 sessions is a stress case for this 2-core machine.
 * - `steady` (default): every session runs two turns back to back, the sessions' turn
 *   boundaries spread evenly over one turn, as independent sessions' are; only messages sent
 *   while every session is streaming count, so each session ends one turn and starts the next
 *   (result, checkpoint, new job) inside the measured window.
 * - `spread`: every session starts one turn within one line interval (session i i/N of it after
 *   the first): lines arrive evenly, but all turns start and end together, a burst of turn work.
 * - `aligned`: all start in the same instant, so every interval begins with a burst of N lines:
 *   the worst case, not a usual one.
 */
type Phase = 'steady' | 'spread' | 'aligned';
const PHASES: readonly string[] = ['steady', 'spread', 'aligned'];
export interface Case {
  sessions: number;
  rate: number;
  phase: Phase;
}

/** `100@20,100@20:spread`: sessions @ lines per second each [: phase]. */
export function parseCases(text: string): Case[] {
  return text.split(',').map((c) => {
    const [load, phase = 'steady'] = c.split(':');
    const [sessions, rate] = load.split('@').map(Number);
    if (!PHASES.includes(phase)) throw new Error(`unknown phase in ${c}`);
    if (!(sessions > 0 && rate > 0)) throw new Error(`bad case ${c}`);
    return { sessions, rate, phase: phase as Phase };
  });
}

const CASES = parseCases(
  process.env.BENCH_STREAM_CASES ?? '1@20,10@20,100@20,100@20:spread,100@20:aligned,100@50',
);

/** Text deltas per turn of the `long_text` recording: with the rate, how long a turn streams. */
const WORDS = 100;

/** When session i starts its first measured turn, in ms after the first session. */
function startOffsetMs({ sessions, rate, phase }: Case, i: number): number {
  if (phase === 'aligned') return 0;
  const spanMs = phase === 'steady' ? (WORDS * 1000) / rate : 1000 / rate;
  return (i * spanMs) / sessions;
}

const turnsOf = (load: Case) => (load.phase === 'steady' ? 2 : 1);

/**
 * The latencies that count: for `steady`, those of messages sent while every session was
 * streaming (after the last session's first message, before the first session's last one).
 */
function measured(samples: SampleLog, load: Case): number[] {
  if (load.phase !== 'steady') return samples.latencies();
  const { from, to } = samples.allSendingWindow();
  return samples.latencies(from, to);
}

/** Room for every message of a case, so recording never grows the columns mid-run. */
const capacityFor = (load: Case) => load.sessions * (WORDS + 16) * turnsOf(load);

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const WARM_UP = '[[standin recording=text]] warm up';
/** The stand-in's directive: the recorded 100-delta turn, one line every 1000/rate ms. */
const promptAt = (rate: number) =>
  `[[standin recording=long_text pace_ms=${Math.round(1000 / rate)}]] go`;

interface PathRun {
  samples: SampleLog;
  seconds: number;
  /** CPU and wake-ups per process group while the measured turn streamed. */
  cpu: CpuSpent;
}

/**
 * N sessions through MCP: a first turn starts every CLI process (not measured: process start is
 * not streaming), then all N stream their next turns together (phased as the case says); their
 * progress notifications carry the stamped lines.
 */
async function throughSystem(
  url: URL,
  load: Case,
  cpuGroups: readonly CpuGroup[],
): Promise<PathRun> {
  const { sessions } = load;
  const prompt = promptAt(load.rate);
  const clients = await Promise.all(
    Array.from({ length: sessions }, async () => {
      const client = new RawMcpClient(url, KEY);
      await client.connect();
      return client;
    }),
  );
  const ids = await Promise.all(
    clients.map((c) => c.callTool('session_start', { prompt: WARM_UP, wait: true })),
  );
  const samples = new SampleLog(capacityFor(load));
  const cpuBefore = cpuSnapshot(cpuGroups);
  const started = Date.now();
  await Promise.all(
    clients.map(async (client, i) => {
      await delay(startOffsetMs(load, i));
      for (let turn = 0; turn < turnsOf(load); turn++) {
        await client.callTool(
          'session_send',
          { sessionId: ids[i].sessionId, message: prompt, wait: true },
          (notification) => {
            const received = nowMs();
            const sentAt = stampIn(notification);
            if (sentAt !== undefined) samples.push(sentAt, received - sentAt, i);
          },
        );
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const cpu = cpuSpent(cpuBefore, cpuSnapshot(cpuGroups));
  await Promise.all(
    clients.map((c, i) => c.callTool('session_terminate', { sessionId: ids[i].sessionId })),
  );
  await Promise.all(clients.map((c) => c.close()));
  return { samples, seconds, cpu };
}

/** N stand-in processes read directly, with the same warm-up turn: the floor any relay adds to. */
async function direct(
  standin: string,
  load: Case,
  dir: string,
  cpuGroups: readonly CpuGroup[],
): Promise<PathRun> {
  const { sessions } = load;
  const prompt = promptAt(load.rate);
  const procs = Array.from({ length: sessions }, (_, i) => {
    const home = join(dir, `direct-${sessions}-${i}`);
    const child = spawn(standin, buildCliArgs({ includePartialMessages: true }), {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        CLAUDE_CONFIG_DIR: home,
        CLI_STANDIN_STAMP: '1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    return { child, lines: parseJsonl(child.stdout)[Symbol.asyncIterator]() };
  });
  const standins = { name: 'cli-standin', pids: () => procs.map((p) => p.child.pid ?? 0) };
  const send = (p: (typeof procs)[number], text: string) =>
    p.child.stdin.write(
      `${JSON.stringify({ type: 'user', message: { role: 'user', content: text } })}\n`,
    );
  const untilResult = async (p: (typeof procs)[number], session: number, samples?: SampleLog) => {
    for (;;) {
      const next = await p.lines.next();
      const received = nowMs();
      if (next.done) throw new Error('CLI stand-in exited early');
      if (next.value.kind !== 'message') continue;
      const sentAt = stampOf({ data: next.value.message });
      if (samples && sentAt !== undefined) samples.push(sentAt, received - sentAt, session);
      if (next.value.message.type === 'result') return;
    }
  };
  await Promise.all(procs.map((p, i) => (send(p, WARM_UP), untilResult(p, i))));
  const samples = new SampleLog(capacityFor(load));
  const cpuBefore = cpuSnapshot([...cpuGroups, standins]);
  const started = Date.now();
  await Promise.all(
    procs.map(async (p, i) => {
      await delay(startOffsetMs(load, i));
      for (let turn = 0; turn < turnsOf(load); turn++) {
        send(p, prompt);
        await untilResult(p, i, samples);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const cpu = cpuSpent(cpuBefore, cpuSnapshot([...cpuGroups, standins]));
  for (const p of procs) p.child.stdin.end();
  return { samples, seconds, cpu };
}

/**
 * The stand-in's stamp in a progress notification's text: its message is the event as JSON
 * inside a JSON string, so the stamp reads `standin_sent_at\":<ms>`. A regex instead of two
 * JSON.parse calls per message keeps the load client's CPU off the measured system.
 */
function stampIn(notification: string): number | undefined {
  const match = STAMP.exec(notification);
  return match ? Number(match[1]) : undefined;
}
const STAMP = /"standin_sent_at\\?":(\d+(?:\.\d+)?)/;

function stampOf(event: { data?: unknown }): number | undefined {
  const data = event.data as { standin_sent_at?: unknown } | undefined;
  return typeof data?.standin_sent_at === 'number' ? data.standin_sent_at : undefined;
}

/**
 * BENCH_STREAM_DUMP=<dir>: every sample of a run as JSON (`<sessions>@<rate>-<phase>-run<n>.json`), for
 * looking at where in a turn, or when, the slow messages were.
 */
function dumpSamples(load: Case, run: number, samples: Record<string, SampleLog>): void {
  const dir = process.env.BENCH_STREAM_DUMP;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${load.sessions}@${load.rate}-${load.phase}-run${run}.json`);
  writeFileSync(file, JSON.stringify(samples));
}

const r = (n: number, d = 2) => Number(n.toFixed(d));

/** Gateway, worker, the worker's CLI stand-ins and Redis: where a case's CPU goes. */
function processGroups(gateway: ServiceProcess, worker: ServiceProcess, redis: number): CpuGroup[] {
  return [
    { name: 'gateway', pids: () => [gateway.child.pid ?? 0] },
    { name: 'worker', pids: () => [worker.child.pid ?? 0] },
    { name: 'cli-standin', pids: () => descendantsOf(worker.child.pid ?? 0) },
    { name: 'redis', pids: () => (redis > 0 ? [redis] : []) },
  ];
}

/** Per message, by process: "gateway 120 · worker 80 ...", largest first. */
function perMessage(counts: Record<string, number>, messages: number, scale = 1, digits = 0) {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `${name} ${((n * scale) / Math.max(1, messages)).toFixed(digits)}`)
    .join(' · ');
}

/** Runs per case (BENCH_STREAM_RUNS): one run's p99 rests on its slowest ~100 messages. */
const RUNS = Math.max(1, Number(process.env.BENCH_STREAM_RUNS ?? 3));

/** A case's runs taken together: pooled latencies, and each run's own p99. */
interface Pooled {
  latency: LatencySummary;
  runP99s: number[];
  messages: number;
  seconds: number;
  cpu: CpuSpent;
}

function pooled(runs: readonly PathRun[], load: Case): Pooled {
  const each = runs.map((run) => measured(run.samples, load));
  const sum = (pick: (c: CpuSpent) => Record<string, number>) => {
    const total: Record<string, number> = {};
    for (const run of runs) {
      for (const [name, n] of Object.entries(pick(run.cpu))) total[name] = (total[name] ?? 0) + n;
    }
    return total;
  };
  return {
    latency: summarizeLatency(each.flat()),
    runP99s: each.map((latencies) => summarizeLatency(latencies).p99),
    messages: runs.reduce((n, run) => n + run.samples.length, 0),
    seconds: runs.reduce((n, run) => n + run.seconds, 0),
    cpu: { cpuMs: sum((c) => c.cpuMs), wakeups: sum((c) => c.wakeups) },
  };
}

function row(load: Case, path: string, p: Pooled, extra: Record<string, string | number>) {
  return {
    sessions: load.sessions,
    'lines/s each': load.rate,
    phase: load.phase,
    path,
    msgs: p.latency.count,
    'msgs/s': Math.round(p.messages / p.seconds),
    'p50 ms': r(p.latency.p50),
    'p99 ms': r(p.latency.p99),
    'max ms': r(p.latency.max, 1),
    ...extra,
    'p99 per run': p.runP99s.map((v) => v.toFixed(1)).join(' · '),
    'cpu µs/msg': perMessage(p.cpu.cpuMs, p.messages, 1000),
    'wake-ups/msg': perMessage(p.cpu.wakeups, p.messages, 1, 2),
  };
}

/** One gateway and one worker (separate processes) on their own Redis, from one tree. */
interface SystemUnderTest {
  label: string;
  url: URL;
  groups: CpuGroup[];
  peakRss(): string;
  stop(): Promise<void>;
}

async function startSystem(
  label: string,
  root: string | undefined,
  standin: string,
  parent: string,
  settings: Record<string, string> = {},
): Promise<SystemUnderTest> {
  const dir = mkdtempSync(join(parent, 'system-'));
  const redis = await startEmbeddedRedis(dir);
  const port = await freePort();
  const common = {
    REDIS_URL: redis.url,
    MCP_API_KEYS: `bench:${KEY}`,
    DATA_DIR: dir,
    ...settings,
  };
  let worker: ServiceProcess | undefined;
  let gateway: ServiceProcess | undefined;
  const stop = async () => {
    await gateway?.stop();
    await worker?.stop();
    await redis.stop();
  };
  try {
    worker = await startService(
      'apps/worker/src/main.ts',
      {
        ...common,
        WORKER_HEALTH_PORT: String(await freePort()),
        WORKER_CONCURRENCY: '128',
        CLAUDE_BIN: standin,
        // Unsandboxed, as the direct baseline runs (the sandbox adds no per-line cost).
        SANDBOX: 'none',
        CLI_STANDIN_STAMP: '1',
        CLAUDE_ENV_PASSTHROUGH: 'CLI_STANDIN_STAMP',
      },
      'worker ready',
      root,
    );
    gateway = await startService(
      'apps/gateway/src/main.ts',
      { ...common, PORT: String(port) },
      'gateway listening',
      root,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const [g, w] = [gateway, worker];
  const system = {
    label,
    url,
    groups: processGroups(g, w, redis.pid),
    peakRss: () => `gateway ${r(g.peakRssMiB(), 1)} MiB, worker ${r(w.peakRssMiB(), 1)} MiB`,
    stop,
  };
  // Warm-up: JIT, connections.
  await throughSystem(url, { sessions: 2, rate: 20, phase: 'spread' }, system.groups);
  return system;
}

export interface StreamRunOptions {
  cases?: readonly Case[];
  runs?: number;
  /**
   * A commit whose gateway and worker run beside this tree's (a git worktree sharing its
   * node_modules, each pair on its own Redis), alternating with them: CPU per message and
   * latency of the code before a change, measured in the same run.
   */
  before?: string;
  /** Settings (environment) of a further system of this tree's, beside the default one. */
  variant?: Record<string, string>;
}

export function run(): Promise<BenchReport> {
  const before = process.env.BENCH_STREAM_BEFORE;
  const variant = process.env.BENCH_STREAM_VARIANT;
  return runStream({
    ...(before ? { before } : {}),
    ...(variant ? { variant: parseSettings(variant) } : {}),
  });
}

/** `A=1,B=2` → { A: '1', B: '2' }. */
export function parseSettings(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new Error(`expected NAME=value, got ${pair}`);
      return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
    }),
  );
}

export async function runStream(options: StreamRunOptions = {}): Promise<BenchReport> {
  const cases = options.cases ?? CASES;
  const runs = options.runs ?? RUNS;
  const standin = await buildCliStandin();
  const dir = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  const systems: SystemUnderTest[] = [];
  const rows: BenchReport['rows'] = [];
  try {
    if (options.before) {
      const tree = baselineTree(options.before);
      systems.push(await startSystem(`system before (${options.before})`, tree, standin, dir));
    }
    systems.push(await startSystem('system (MCP)', undefined, standin, dir));
    if (options.variant) {
      const label = Object.entries(options.variant)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      systems.push(
        await startSystem(`system (${label})`, undefined, standin, dir, options.variant),
      );
    }
    const groups = systems.flatMap((s) => s.groups);
    for (const load of cases) {
      const base: PathRun[] = [];
      const sys: PathRun[][] = systems.map(() => []);
      for (let n = 1; n <= runs; n++) {
        const baseRun = await direct(standin, load, dir, groups);
        base.push(baseRun);
        const dumped: Record<string, SampleLog> = { direct: baseRun.samples };
        for (const [i, system] of systems.entries()) {
          const sysRun = await throughSystem(system.url, load, system.groups);
          sys[i].push(sysRun);
          dumped[system.label] = sysRun.samples;
        }
        dumpSamples(load, n, dumped);
      }
      const b = pooled(base, load);
      rows.push(row(load, 'direct (baseline)', b, { 'added p99 ms': 0, 'p99 ratio': '1.00x' }));
      for (const [i, system] of systems.entries()) {
        const s = pooled(sys[i], load);
        rows.push(
          row(load, system.label, s, {
            'added p99 ms': r(s.latency.p99 - b.latency.p99),
            'p99 ratio': `${(s.latency.p99 / b.latency.p99).toFixed(2)}x`,
          }),
        );
      }
    }
    return {
      name: 'stream: CLI line → MCP client (latency per message)',
      rows,
      notes: [
        `CLI: the stand-in (libs/testing/cli-standin) replaying the real CLI's recorded long_text turn, ${WORDS} text deltas per turn per session (--include-partial-messages); load client: bench/raw-mcp-client.ts`,
        `each case ran ${runs}× (BENCH_STREAM_RUNS), direct and system alternating; p50/p99/max over the pooled messages, "p99 per run" each run's own`,
        ...systems.map(
          (s) => `peak RSS, ${s.label}: ${s.peakRss()} (CLI stand-in processes not included)`,
        ),
      ],
    };
  } finally {
    for (const system of systems) await system.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
