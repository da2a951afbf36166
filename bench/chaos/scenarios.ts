/**
 * The fault scenarios of the chaos part: each on a fleet of its own (2 gateways, 2 workers, one
 * Redis, the CLI stand-in), with sessions streaming turns through SessionDrivers while the fault
 * happens, and a row saying what the clients saw.
 */
import { keys, type SessionEvent } from '@app/contracts';
import { closeRedis, createRedisConnection, type RedisClient } from '@app/redis';
import { startTestS3, type TestS3 } from '@app/testing/services';
import { startFleet, workerOf, type Fleet, type FleetProcess } from '../../test/support/fleet';
import {
  GatewayClients,
  SessionDriver,
  type DriverReport,
} from '../../test/support/session-driver';

export interface ScenarioOptions {
  sessions: number;
  turns: number;
  /** ms between lines of a streamed turn (the long_text recording: 109 lines). */
  paceMs: number;
}

export interface Fault {
  name: string;
  /** Extra fleet settings. */
  fleet?: { env?: Record<string, string>; s3?: boolean; persistent?: boolean; cluster?: boolean };
  /** Injects the fault while the sessions stream; resolves with the recovery times (ms). */
  inject(ctx: FaultContext): Promise<number[]>;
}

export interface FaultContext {
  fleet: Fleet;
  s3?: TestS3;
  redis: RedisClient;
  clients: GatewayClients;
  drivers: SessionDriver[];
  /** Resolves once every session has streamed some of its first turn. */
  streaming(): Promise<void>;
  /** Resolves once every session has settled all its turns. */
  settled(): Promise<void>;
}

const statusOf = (e: SessionEvent) => (e.data as { status?: string } | null)?.status;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Runs one scenario: fleet up, sessions streaming, the fault, then what every client saw. */
export async function runScenario(
  fault: Fault,
  options: ScenarioOptions,
): Promise<Record<string, string | number>> {
  const s3 = fault.fleet?.s3 ? await startTestS3({ label: 'chaos' }) : undefined;
  const fleet = await startFleet({
    label: 'chaos',
    workers: 2,
    gateways: 2,
    s3,
    persistent: fault.fleet?.persistent,
    cluster: fault.fleet?.cluster,
    env: fault.fleet?.env,
  });
  const redis = createRedisConnection(fleet.redis.url, {
    name: 'chaos-observer',
    keyPrefix: fleet.redis.keyPrefix,
    cluster: fault.fleet?.cluster,
  });
  try {
    const clients = new GatewayClients(() =>
      fleet.gateways.filter((g) => g.alive()).map((g) => g.url),
    );
    const message = (turn: number) =>
      `[[standin recording=long_text pace_ms=${options.paceMs}]] turn ${turn}`;
    const drivers = Array.from(
      { length: options.sessions },
      () => new SessionDriver(clients, options.turns, message),
    );
    const began = Date.now();
    const running = Promise.all(drivers.map((d) => d.run()));
    const recoveries = await fault.inject({
      fleet,
      s3,
      redis,
      clients,
      drivers,
      streaming: async () => {
        while (!drivers.every((d) => d.events().some((e) => e.kind === 'claude'))) {
          await sleep(50);
        }
      },
      settled: async () => void (await running),
    });
    await running;
    const tookS = (Date.now() - began) / 1000;
    // Each report ends with one more waited turn: all at once, as the sessions ran.
    const reports: DriverReport[] = await Promise.all(drivers.map((d) => d.report()));
    const sum = (pick: (r: DriverReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    return {
      scenario: fault.name,
      sessions: options.sessions,
      'turns ok': sum((r) => r.turnsSettled - r.turnsFailed),
      'turns failed': sum((r) => r.turnsFailed),
      'events delivered': drivers.reduce((n, d) => n + d.events().length, 0),
      lost: sum((r) => r.lost),
      duplicated: sum((r) => r.duplicated),
      'turns re-run': sum((r) => r.restarted),
      'gap events': sum((r) => r.gaps),
      'recovery p50 ms': recoveries.length ? Math.round(median(recoveries)) : '-',
      'recovery max ms': recoveries.length ? Math.round(Math.max(...recoveries)) : '-',
      'calls retried': clients.failures,
      'all turns took s': Number(tookS.toFixed(1)),
      'usable after': `${reports.filter((r) => r.usable).length}/${reports.length}`,
      crashed: [...fleet.gateways, ...fleet.workers].filter((p) => p.crashed()).length,
    };
  } finally {
    await closeRedis(redis);
    await fleet.close();
    await s3?.close();
  }
}

function mostCommon<T>(xs: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
}

/** The worker holding most of the drivers' sessions now. */
async function busiestWorker(ctx: FaultContext): Promise<FleetProcess> {
  const counts = new Map<FleetProcess, number>();
  for (const d of ctx.drivers) {
    const worker = workerOf(ctx.fleet, (await ctx.redis.get(keys.lease(d.sessionId))) ?? '');
    if (worker) counts.set(worker, (counts.get(worker) ?? 0) + 1);
  }
  const busiest = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!busiest) throw new Error('no worker of the fleet holds a session');
  return busiest;
}

/** Per session: ms from `since` to its first event with this status (if it has one). */
function firstStatusAfter(ctx: FaultContext, status: string, since: number): number[] {
  return ctx.drivers.flatMap((d) => {
    const event = d.events().find((e) => statusOf(e) === status && e.ts >= since);
    return event ? [event.ts - since] : [];
  });
}

/** SIGKILL of the worker running most turns; another takes them over once it counts as dead. */
function killWorker(name: string, livenessMs?: string): Fault {
  return {
    name,
    fleet: livenessMs ? { env: { WORKER_LIVENESS_MS: livenessMs } } : undefined,
    async inject(ctx) {
      await ctx.streaming();
      const victim = await busiestWorker(ctx);
      const killedAt = Date.now();
      victim.kill();
      void ctx.fleet.addWorker();
      await ctx.settled();
      // Kill → the first event of the turn from the worker that took it over.
      return firstStatusAfter(ctx, 'recovered', killedAt);
    },
  };
}

export const FAULTS: readonly Fault[] = [
  {
    // The baseline: the same sessions with nothing going wrong.
    name: 'no fault (baseline)',
    async inject(ctx) {
      await ctx.settled();
      return [];
    },
  },
  killWorker('worker SIGKILL mid-turn'),
  killWorker('worker SIGKILL mid-turn, WORKER_LIVENESS_MS 3000', '3000'),
  {
    name: 'worker SIGTERM mid-turn',
    fleet: { env: { WORKER_DRAIN_MS: '1000' } },
    async inject(ctx) {
      await ctx.streaming();
      const victim = await busiestWorker(ctx);
      void ctx.fleet.addWorker();
      const stoppedAt = Date.now();
      await victim.stop();
      await ctx.settled();
      return firstStatusAfter(ctx, 'recovered', stoppedAt);
    },
  },
  {
    name: 'gateway SIGKILL',
    async inject(ctx) {
      await ctx.streaming();
      ctx.fleet.gateways[0].kill();
      void ctx.fleet.addGateway();
      await ctx.settled();
      // A call that failed → the same call answered (on another gateway).
      return ctx.clients.outages;
    },
  },
  {
    name: 'Redis restart',
    fleet: { persistent: true },
    async inject(ctx) {
      await ctx.streaming();
      await ctx.fleet.redisServer!.restart();
      await ctx.settled();
      return ctx.clients.outages;
    },
  },
  {
    name: 'Redis down 30 s',
    fleet: { persistent: true },
    async inject(ctx) {
      await ctx.streaming();
      await ctx.fleet.redisServer!.stop();
      await sleep(30_000);
      await ctx.fleet.redisServer!.start();
      await ctx.settled();
      return ctx.clients.outages;
    },
  },
  {
    name: 'Redis Cluster failover',
    fleet: { cluster: true },
    async inject(ctx) {
      const cluster = ctx.fleet.redisCluster!;
      await ctx.streaming();
      // The master serving most sessions: its replica takes over their keys.
      const keyOf = (d: SessionDriver) =>
        `${ctx.fleet.redis.keyPrefix}${keys.session(d.sessionId)}`;
      const masters = await Promise.all(ctx.drivers.map((d) => cluster.masterOf(keyOf(d))));
      const ports = masters.map((m) => m.port);
      const busiest = mostCommon(ports);
      const hit = ctx.drivers.filter((_, i) => ports[i] === busiest);
      const { killedAt } = await cluster.failover(keyOf(hit[0]));
      await ctx.settled();
      // The kill → each hit session's first event stored after it (the id's ms: Redis' clock).
      const storedAt = (e: SessionEvent) => Number(e.id.split('-')[0]);
      return [
        ...hit.flatMap((d) => {
          const after = d
            .events()
            .map(storedAt)
            .filter((at) => at > killedAt);
          return after.length ? [Math.min(...after) - killedAt] : [];
        }),
        ...ctx.clients.outages,
      ];
    },
  },
  {
    name: 'S3 down 15 s',
    fleet: { s3: true },
    async inject(ctx) {
      await ctx.streaming();
      await ctx.s3!.stop();
      await sleep(15_000);
      const back = Date.now();
      await ctx.s3!.start();
      await ctx.settled();
      // S3 back → each session's missed checkpoint taken after all (retried in the background,
      // so possibly after the session's last turn: read its stream until it is there).
      const retriedAt = async (d: SessionDriver): Promise<number | undefined> => {
        for (const until = Date.now() + 60_000; Date.now() < until; await sleep(500)) {
          const page = await ctx.clients.call('session_events', {
            sessionId: d.sessionId,
            limit: 1000,
          });
          const retried = (page.events as SessionEvent[]).find(
            (e) => e.kind === 'checkpoint' && (e.data as { retried?: boolean }).retried,
          );
          if (retried) return retried.ts;
        }
        return undefined;
      };
      const times = await Promise.all(ctx.drivers.map(retriedAt));
      return times.flatMap((at) => (at === undefined ? [] : [at - back]));
    },
  },
  {
    name: 'rolling restart, all four',
    fleet: { env: { WORKER_DRAIN_MS: '2000', GATEWAY_DRAIN_MS: '1000' } },
    async inject(ctx) {
      await ctx.streaming();
      const started = Date.now();
      for (const old of [...ctx.fleet.gateways, ...ctx.fleet.workers]) {
        if (old.role === 'gateway') await ctx.fleet.addGateway();
        else await ctx.fleet.addWorker();
        await old.stop();
      }
      await ctx.settled();
      return [...firstStatusAfter(ctx, 'recovered', started), ...ctx.clients.outages];
    },
  },
];
