/**
 * Scale-out (issue 15 item 1): N concurrent sessions, each streaming turns, through 2 gateways and
 * 2 workers (separate processes, one Redis, the CLI stand-in replaying the real CLI's long_text
 * turn): events delivered per second, latency CLI → MCP client, errors, CPU and memory of every
 * process; against the same stand-ins read directly by this process in the same run. Then the
 * sessions go idle and hibernate (SESSION_IDLE_MS), and memory per live and per hibernated session
 * is measured per process: each figure is a difference of settled memory (full collections forced
 * through the inspector; Redis' used_memory) from before the step's sessions existed, over N.
 * First, CPU per relayed message before and after (the code at SCALE_BEFORE beside this tree).
 * Alone: npm run bench -- scale. SCALE_CASES=100@20,500@20 (sessions@lines per second each) or
 * SCALE_SESSIONS=100,500 (of the default cases); SCALE_WINDOW_S (measured window, 40),
 * SCALE_IDLE_MS (SESSION_IDLE_MS, 60000), SCALE_HEAP_DIR (heap snapshots of gateway-1 and worker-1
 * before, live and hibernated, for `bench/scale-heap.ts`).
 */
import { buildCliStandin } from '../libs/testing/cli-standin/build';
import type { BenchReport } from './report';
import { SCALE_KEY, ScaleFleet, type MemoryProbe } from './scale-fleet';
import { directStep, SystemSessions, turnMs, type StepPlan, type StepRun } from './scale-load';
import { cpuSnapshot, cpuSpent } from './stream-cpu';
import { parseCases, runStream } from './stream-e2e.bench';

type Row = Record<string, string | number>;

const DEFAULT_CASES = '100@20,500@20,1000@20,1000@4';
const WINDOW_MS = Number(process.env.SCALE_WINDOW_S ?? 40) * 1000;
const IDLE_MS = Number(process.env.SCALE_IDLE_MS ?? 60_000);
const CONCURRENCY = 600;
/**
 * The code before issue 15's per-event work (derived SSE history, pipelined appends, one control
 * channel): its gateway and worker run beside this tree's for the CPU-per-message A/B.
 */
const BEFORE = process.env.SCALE_BEFORE ?? '2c5c2ac';

function cases(): StepPlan[] {
  const only = process.env.SCALE_SESSIONS?.split(',').map(Number);
  return (process.env.SCALE_CASES ?? DEFAULT_CASES)
    .split(',')
    .map((c) => {
      const [sessions, rate] = c.split('@').map(Number);
      if (!(sessions > 0 && rate > 0)) throw new Error(`SCALE_CASES: bad case ${c}`);
      return { sessions, rate, windowMs: WINDOW_MS };
    })
    .filter((c) => !only || only.includes(c.sessions));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const r = (n: number, digits = 1) => Number(n.toFixed(digits));

/** CPU per relayed message per process, the code before and this tree, alternating in one run. */
async function cpuBeforeAfter(): Promise<Row[]> {
  if (BEFORE === 'none') return [];
  const report = await runStream({
    cases: parseCases(process.env.SCALE_CPU_CASES ?? '100@20'),
    runs: Number(process.env.SCALE_CPU_RUNS ?? 3),
    before: BEFORE,
  });
  return report.rows.map((row) => ({ table: 'CPU per relayed message (A/B)', ...row }));
}

export async function run(): Promise<BenchReport> {
  const cpuRows = await cpuBeforeAfter();
  const plans = cases();
  const largest = Math.max(...plans.map((p) => p.sessions));
  const standin = await buildCliStandin();
  const fleet = await ScaleFleet.start({
    concurrency: CONCURRENCY,
    sessionIdleMs: IDLE_MS,
    // Hibernated sessions of earlier steps do not count; the warm-up's and one step's do.
    maxSessions: largest + 100,
  });
  const rows: Row[] = [];
  const memory: Row[] = [];
  const details: Record<string, unknown>[] = [];
  const errors: string[] = [];
  try {
    await warmUp(fleet);
    for (const plan of plans) {
      const started = Date.now();
      const label = `${plan.sessions}@${plan.rate}`;
      const direct = await directStep(standin, plan, []);
      const step = await systemStep(fleet, plan);
      rows.push(throughputRow(plan, 'direct (baseline)', direct, direct));
      rows.push({
        ...throughputRow(plan, 'system (MCP)', step.run, direct),
        'handed over %': Math.round(
          (100 * step.starts.handedOver) / Math.max(1, step.starts.turns),
        ),
        'in queue p50 / p99 ms': `${Math.round(step.starts.inQueue.p50)} / ${Math.round(step.starts.inQueue.p99)}`,
        'added → running p50 / p99 ms': `${Math.round(step.starts.addedToRunning.p50)} / ${Math.round(step.starts.addedToRunning.p99)}`,
      });
      memory.push(...memoryRows(plan, step.probes));
      details.push({
        case: label,
        direct,
        system: step.run,
        turnStarts: step.starts,
        ...step.probes,
        keyKinds: step.kinds,
      });
      if (step.run.errors) errors.push(`${label}: ${step.run.errorSamples.join(' | ')}`);
      console.log(`  ${label}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    await fleet.close();
  }
  const report: BenchReport & { details: typeof details } = {
    name: 'scale: N sessions streaming through 2 gateways and 2 workers',
    rows: [...cpuRows, ...rows, ...memory],
    notes: [
      `CPU per relayed message (A/B): the stream part's steady case (SCALE_CPU_CASES), ${BEFORE} (SCALE_BEFORE; 'none' skips it) and this tree each as a gateway, a worker and a Redis of their own, alternating run by run (SCALE_CPU_RUNS); CPU µs per message delivered, per process`,
      `2 gateways, 2 workers (WORKER_CONCURRENCY ${CONCURRENCY} each), one Redis, the CLI stand-in (long_text: 109 lines a turn), SANDBOX=none; one MCP client per session (bench/raw-mcp-client.ts), on the gateways in turn`,
      `each session streams turns back to back, their starts spread over one turn; measured: lines sent in a ${WINDOW_MS / 1000} s window in which every session streams; baseline: the same stand-ins read directly by the bench process`,
      `memory: settled (two full GCs through the inspector, then RSS and heapUsed; Redis used_memory) before the step's sessions, mid-stream (after the window), live and idle (every turn ended, CLIs up), hibernated (SESSION_IDLE_MS ${IDLE_MS}, CLIs gone, MCP clients closed); per session = (state − before) / N`,
      ...errors.map((e) => `errors, ${e}`),
    ],
    details,
  };
  return report;
}

/** Sessions that JIT the services and open their connections; they stay, hibernated. */
async function warmUp(fleet: ScaleFleet): Promise<void> {
  const sessions = await SystemSessions.start(fleet.gatewayUrls, SCALE_KEY, 20);
  await sessions.stream({ sessions: 20, rate: 20, windowMs: 2_000 }, [], async () => undefined);
  await sessions.close();
  await untilHibernated(fleet, IDLE_MS + 60_000);
}

/** Waits until no session of the fleet has a CLI or a lease (every one hibernated). */
async function untilHibernated(fleet: ScaleFleet, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while ((fleet.liveClis() > 0 || (await fleet.leases()) > 0) && Date.now() < deadline) {
    await sleep(1_000);
  }
}

/** CPU % of one core per process over IDLE_CPU_MS with no turn running. */
type IdleCpu = Record<string, number>;
const IDLE_CPU_MS = 10_000;

interface StepProbes {
  before: MemoryProbe;
  streaming: MemoryProbe;
  live: MemoryProbe & { liveClis: number; idleCpu: IdleCpu };
  hibernated: MemoryProbe & { liveClis: number; leases: number; waitedS: number; idleCpu: IdleCpu };
}

/** What each process spends while nothing streams (lease renewals, timers, polling). */
async function idleCpu(fleet: ScaleFleet): Promise<IdleCpu> {
  const groups = fleet.cpuGroups();
  const before = cpuSnapshot(groups);
  await sleep(IDLE_CPU_MS);
  const spent = cpuSpent(before, cpuSnapshot(groups)).cpuMs;
  return Object.fromEntries(
    Object.entries(spent).map(([name, ms]) => [name, r((ms / IDLE_CPU_MS) * 100)]),
  );
}

async function systemStep(fleet: ScaleFleet, plan: StepPlan) {
  const before = await fleet.probe();
  await snapshots(fleet, plan, 'before');
  const sessions = await SystemSessions.start(fleet.gatewayUrls, SCALE_KEY, plan.sessions);
  let streaming: MemoryProbe | undefined;
  const streamedFrom = Date.now();
  const run = await sessions.stream(plan, fleet.cpuGroups(), async () => {
    // No heap snapshot here: it stops a service for seconds, and a worker stopped for longer
    // than its job locks last (WORKER_LIVENESS_MS) has its turns run again elsewhere.
    streaming = await fleet.probe();
  });
  const liveProbe = await fleet.probe();
  const live = { ...liveProbe, liveClis: fleet.liveClis(), idleCpu: await idleCpu(fleet) };
  await snapshots(fleet, plan, 'live');
  await sessions.close();
  // Every session idles SESSION_IDLE_MS after its last turn, then hibernates.
  const waitStarted = Date.now();
  await untilHibernated(fleet, IDLE_MS + turnMs(plan.rate) + 120_000);
  await sleep(2_000);
  const hibernated = {
    ...(await fleet.probe()),
    liveClis: fleet.liveClis(),
    leases: await fleet.leases(),
    waitedS: r((Date.now() - waitStarted) / 1000),
    idleCpu: await idleCpu(fleet),
  };
  await snapshots(fleet, plan, 'hibernated');
  const probes: StepProbes = { before, streaming: streaming as MemoryProbe, live, hibernated };
  const starts = await fleet.turnStarts(sessions.ids.slice(0, 50), streamedFrom);
  return { run, probes, starts, kinds: await fleet.keyKinds() };
}

async function snapshots(fleet: ScaleFleet, plan: StepPlan, state: string): Promise<void> {
  const dir = process.env.SCALE_HEAP_DIR;
  if (!dir) return;
  await fleet.heapSnapshots(dir, `${plan.sessions}@${plan.rate}-${state}`, [
    'gateway-1',
    'worker-1',
  ]);
}

/** CPU of each process over the window: % of one core, and µs per delivered line. */
function cpuColumns(run: StepRun): Row {
  const windowMs = run.windowS * 1000;
  const lines = run.deliveredPerS * run.windowS;
  const entries = Object.entries(run.cpu.cpuMs)
    .filter(([, ms]) => ms > 0)
    .sort(([, a], [, b]) => b - a);
  return {
    'CPU % of a core': entries
      .map(([n, ms]) => `${n} ${Math.round((ms / windowMs) * 100)}`)
      .join(' · '),
    'CPU µs/line': entries
      .filter(([n]) => n !== 'others')
      .map(([n, ms]) => `${n} ${Math.round((ms * 1000) / Math.max(1, lines))}`)
      .join(' · '),
  };
}

function throughputRow(plan: StepPlan, path: string, run: StepRun, base: StepRun): Row {
  const offered = plan.sessions * plan.rate;
  return {
    table: 'throughput',
    sessions: plan.sessions,
    'lines/s each': plan.rate,
    path,
    'offered lines/s': offered,
    'CLI lines/s': Math.round(run.sentPerS),
    'delivered/s': Math.round(run.deliveredPerS),
    'delivered/offered': r(run.deliveredPerS / offered, 2),
    'p50 ms': r(run.latency.p50, 2),
    'p99 ms': r(run.latency.p99, 2),
    'max ms': r(run.latency.max),
    'p99 ratio': `${(run.latency.p99 / base.latency.p99).toFixed(1)}x`,
    turns: run.turns,
    'turn start p50 ms': r(run.turnStart.p50),
    'turn start p99 ms': r(run.turnStart.p99),
    errors: run.errors,
    'line mismatches': run.lineMismatches,
    ...cpuColumns(run),
  };
}

const KiB = 1024;

/** Per state: memory per session of the gateways, the workers and Redis, from `before`. */
function memoryRows(plan: StepPlan, probes: StepProbes): Row[] {
  const states = [
    ['streaming', probes.streaming],
    ['live, idle', probes.live],
    ['hibernated', probes.hibernated],
  ] as const;
  const sum = (p: MemoryProbe, role: string, pick: 'rssMiB' | 'heapUsedMiB') =>
    Object.entries(p.services)
      .filter(([name]) => name.startsWith(role))
      .reduce((n, [, m]) => n + m[pick], 0);
  const perSession = (p: MemoryProbe, role: string, pick: 'rssMiB' | 'heapUsedMiB') =>
    r(((sum(p, role, pick) - sum(probes.before, role, pick)) * KiB) / plan.sessions);
  return states.map(([state, p]) => ({
    table: 'memory per session (KiB)',
    sessions: plan.sessions,
    'lines/s each': plan.rate,
    state,
    'gateways heap': perSession(p, 'gateway', 'heapUsedMiB'),
    'gateways RSS': perSession(p, 'gateway', 'rssMiB'),
    'workers heap': perSession(p, 'worker', 'heapUsedMiB'),
    'workers RSS': perSession(p, 'worker', 'rssMiB'),
    'redis used_memory': r(
      ((p.redis.usedMemoryMiB - probes.before.redis.usedMemoryMiB) * KiB) / plan.sessions,
    ),
    'RSS MiB': Object.entries(p.services)
      .map(([name, m]) => `${name} ${Math.round(m.rssMiB)}`)
      .join(' · '),
    'redis MiB': r(p.redis.usedMemoryMiB),
    'redis clients': p.redis.clients,
    'redis channels': p.redis.channels,
    'idle CPU %': 'idleCpu' in p ? cpuLine(p.idleCpu as IdleCpu) : '',
  }));
}

function cpuLine(cpu: IdleCpu): string {
  return Object.entries(cpu)
    .filter(([, pct]) => pct >= 0.5)
    .sort(([, a], [, b]) => b - a)
    .map(([name, pct]) => `${name} ${pct}`)
    .join(' · ');
}
