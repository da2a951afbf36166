/**
 * Fairness (issue 15): how long a quiet tenant's turns wait for a worker while a noisy tenant has
 * 500 turns queued, with fair dispatch (TURN_DISPATCH=fair, the default) and first-in-first-out,
 * against the quiet tenant alone. Every process is real: 2 gateways, 2 workers
 * (WORKER_CONCURRENCY 4), one Redis, the CLI stand-in; fair and fifo each on a fleet of its own.
 * A turn's queue wait: from the quiet client's call (session_start) to the turn's `status:
 * running` event, which the worker writes once it has the session's CLI and starts the turn.
 * Alone: npm run bench -- fairness.
 */
import { Queue } from 'bullmq';
import { keys, TURN_QUEUE, turnJobId, type SessionEvent } from '@app/contracts';
import { closeQueueConnection, queueConnection } from '@app/queue';
import { closeRedis, createRedisConnection, type RedisClient } from '@app/redis';
import { SessionEventLog } from '@app/stream';
import { startFleet, type Fleet } from '../test/support/fleet';
import { TENANT_KEYS } from '../test/support/system';
import { nowMs, summarizeLatency } from './latency';
import { RawMcpClient } from './raw-mcp-client';
import type { BenchReport } from './report';

const NOISY = 'acme';
const QUIET = 'globex';
const NOISY_TURNS = Number(process.env.FAIRNESS_NOISY_TURNS ?? 500);
const QUIET_TURNS = Number(process.env.FAIRNESS_QUIET_TURNS ?? 20);
const QUIET_EVERY_MS = 2_000;
const CONCURRENCY = 4;
/**
 * long_text (109 lines) at a pace drawn from this range: a noisy turn streams for 1 to 3 s. Turns
 * of one length would end in waves (all 8 slots at once) and a quiet turn's wait would be how
 * far the next wave is, which real turns do not do.
 */
const NOISY_PACE_MS = [9, 27] as const;
/** How long a quiet turn may wait before the scenario stops counting it (fifo needs minutes). */
const MAX_WAIT_MS = Number(process.env.FAIRNESS_MAX_WAIT_S ?? 240) * 1_000;

type Dispatch = 'fair' | 'fifo';
type Row = Record<string, string | number>;

export async function run(): Promise<BenchReport> {
  const rows: Row[] = [];
  const modes = (process.env.FAIRNESS_MODES ?? 'fair,fifo').split(',') as Dispatch[];
  for (const dispatch of modes) {
    const started = Date.now();
    const fleet = await startFleet({
      label: 'fairness',
      workers: 2,
      gateways: 2,
      env: env(dispatch),
    });
    const redis = createRedisConnection(fleet.redis.url, {
      name: 'fairness-observer',
      keyPrefix: fleet.redis.keyPrefix,
    });
    try {
      // The quiet tenant alone is the same under either dispatch: measured once.
      if (dispatch === 'fair') rows.push(await quietTenant(fleet, redis, 'quiet tenant alone'));
      await flood(fleet);
      rows.push(await quietTenant(fleet, redis, `with noisy tenant, ${dispatch}`));
    } finally {
      await closeRedis(redis);
      await fleet.close();
    }
    console.log(`  ${dispatch}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return {
    name: "fairness: a quiet tenant's turn queue wait beside a noisy tenant",
    rows,
    notes: [
      `2 gateways, 2 workers × WORKER_CONCURRENCY ${CONCURRENCY}, the CLI stand-in, SANDBOX=none; fair and fifo each on a fleet of its own`,
      `noisy tenant: ${NOISY_TURNS} sessions of one turn each (long_text, one line per ${NOISY_PACE_MS.join('–')} ms: 1–3 s a turn), all queued before the quiet tenant starts`,
      `quiet tenant: a new session (one short turn) every ${QUIET_EVERY_MS / 1000} s, ${QUIET_TURNS} in all; wait = its session_start call → the turn's status: running event (worker clock, same host)`,
      `with ${QUIET_TURNS} samples p99 is the largest; "in queue": the job's add → a worker took it (BullMQ's timestamp, processedOn), the rest is the worker starting the session's CLI; "noisy taken/s": noisy turns taken while the quiet tenant ran`,
      'fair dispatch serves the quiet turn at the next free slot, without preempting: its wait is at most the rest of one noisy turn; fifo serves it after the whole backlog queued before it',
    ],
  };
}

function env(dispatch: Dispatch): Record<string, string> {
  return {
    TURN_DISPATCH: dispatch,
    WORKER_CONCURRENCY: String(CONCURRENCY),
    // Finished noisy sessions let their CLI go soon: 500 idle stand-ins would only cost memory.
    SESSION_IDLE_MS: '1000',
    WORKER_DRAIN_MS: '0',
    TENANT_LIMITS: JSON.stringify({
      [NOISY]: { maxSessions: NOISY_TURNS + 100, maxQueuedTurns: NOISY_TURNS + 100 },
    }),
  };
}

/** MCP clients of a tenant, `perGateway` on each gateway. */
async function clientsOf(fleet: Fleet, tenant: keyof typeof TENANT_KEYS, perGateway: number) {
  const clients = fleet.gateways.flatMap((g) =>
    Array.from({ length: perGateway }, () => new RawMcpClient(g.url, TENANT_KEYS[tenant])),
  );
  await Promise.all(clients.map((c) => c.connect()));
  return clients;
}

/** The noisy tenant queues NOISY_TURNS turns, each a session of its own, 8 calls at a time. */
async function flood(fleet: Fleet): Promise<void> {
  const clients = await clientsOf(fleet, NOISY, 4);
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      for (let i = next++; i < NOISY_TURNS; i = next++) {
        const [low, high] = NOISY_PACE_MS;
        const pace = low + Math.floor(Math.random() * (high - low + 1));
        const prompt = `[[standin recording=long_text pace_ms=${pace}]] noisy ${i}`;
        await client.callTool('session_start', { prompt, wait: false });
      }
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
}

/**
 * The quiet tenant starts a session every QUIET_EVERY_MS. Per turn: from the call to its
 * `status: running` event, and the part of it the job spent in the queue (BullMQ's add → take).
 */
async function quietTenant(fleet: Fleet, redis: RedisClient, scenario: string): Promise<Row> {
  const log = new SessionEventLog(redis);
  const jobs = new Queue(TURN_QUEUE, queueConnection(fleet.redis, 'fairness-observer'));
  const queuedTurns = () => redis.zcard(keys.tenantQueuedTurns(NOISY));
  const [client] = await clientsOf(fleet, QUIET, 1);
  const noisyBefore = await queuedTurns();
  const began = Date.now();
  const sent: Array<{ sessionId: string; at: number }> = [];
  for (let i = 0; i < QUIET_TURNS; i++) {
    const at = nowMs();
    const prompt = `[[standin recording=text]] quiet ${i}`;
    const { sessionId } = await client.callTool('session_start', { prompt, wait: false });
    sent.push({ sessionId: String(sessionId), at });
    await sleep(Math.max(0, at + QUIET_EVERY_MS - nowMs()));
  }
  const waits = new Map<string, number>();
  const inQueue: number[] = [];
  const deadline = Date.now() + MAX_WAIT_MS;
  while (waits.size < sent.length && Date.now() < deadline) {
    for (const { sessionId, at } of sent) {
      if (waits.has(sessionId)) continue;
      const running = (await log.turnEvents(sessionId, 1)).find(isRunning);
      if (!running) continue;
      waits.set(sessionId, running.ts - at);
      const job = await jobs.getJob(turnJobId(sessionId, 1));
      if (job?.processedOn) inQueue.push(job.processedOn - job.timestamp);
    }
    await sleep(100);
  }
  const noisyAfter = await queuedTurns();
  const tookS = (Date.now() - began) / 1000;
  await client.close();
  await jobs.close();
  await closeQueueConnection(jobs.opts.connection);
  const wait = summarizeLatency([...waits.values()]);
  const queued = summarizeLatency(inQueue);
  // Turns still waiting at the deadline: the slowest figures are at least that.
  const pending = sent.length - waits.size;
  const slowest = (ms: number) => (pending > 0 ? `≥ ${MAX_WAIT_MS}` : Math.round(ms));
  return {
    scenario,
    'noisy queued at start': noisyBefore,
    'quiet turns started': `${waits.size}/${sent.length}`,
    'wait p50 ms': pending * 2 > sent.length ? slowest(wait.p50) : Math.round(wait.p50),
    'wait p99 ms': slowest(wait.p99),
    'of it in queue p50 ms': Math.round(queued.p50),
    'in queue p99 ms': slowest(queued.p99),
    'noisy taken/s': Number(((noisyBefore - noisyAfter) / tookS).toFixed(1)),
  };
}

const isRunning = (e: SessionEvent) =>
  e.kind === 'status' && (e.data as { status?: string } | null)?.status === 'running';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
