/**
 * The scale part's fleet: 2 gateways and 2 workers as separate processes (test/support/fleet),
 * one Redis, the CLI stand-in, each Node service with an inspector port it opens only when the
 * bench settles its memory. What the part reads off it: CPU per process (/proc), settled memory
 * per process, and Redis' own figures (used_memory, connections, channels, keys by kind).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { keys, TURN_QUEUE, turnJobId } from '@app/contracts';
import { closeQueueConnection, queueConnection } from '@app/queue';
import { closeRedis, createRedisConnection } from '@app/redis';
import { startFleet, type Fleet, type FleetProcess } from '../test/support/fleet';
import { TENANT_KEYS } from '../test/support/system';
import { summarizeLatency, type LatencySummary } from './latency';
import { ServiceInspector, type SettledMemory } from './scale-inspector';
import { childNamed, descendantsOf, type CpuGroup } from './stream-cpu';
import { freePort } from './system-processes';

export const SCALE_TENANT = 'acme';
export const SCALE_KEY = TENANT_KEYS[SCALE_TENANT];

export interface ScaleFleetOptions {
  /** WORKER_CONCURRENCY of each worker. */
  concurrency: number;
  /** SESSION_IDLE_MS: how long a session stays live after its last turn. */
  sessionIdleMs: number;
  /** Sessions the bench tenant may have at once (TENANT_LIMITS). */
  maxSessions: number;
}

/** A service of the fleet and its inspector port. */
interface Service {
  name: string;
  process: FleetProcess;
  inspectorPort: number;
  inspector?: ServiceInspector;
}

/** Redis' own figures at one moment. */
export interface RedisFigures {
  usedMemoryMiB: number;
  clients: number;
  /** Channels with at least one subscriber. */
  channels: number;
  keys: number;
}

/** How a step's turns reached a worker (see ScaleFleet.turnStarts). */
export interface TurnStarts {
  turns: number;
  /** First taken by a worker that did not hold the session: it moved, its CLI restarted. */
  handedOver: number;
  inQueue: LatencySummary;
  addedToRunning: LatencySummary;
}

/** Settled memory of every service (by name) and Redis' figures, at one moment. */
export interface MemoryProbe {
  at: number;
  services: Record<string, SettledMemory>;
  redis: RedisFigures;
}

export class ScaleFleet {
  private constructor(
    readonly fleet: Fleet,
    /** Sees the whole keyspace (no key prefix): BullMQ's keys and the services' alike. */
    readonly redis: Redis,
    private readonly services: Service[],
  ) {}

  static async start(options: ScaleFleetOptions): Promise<ScaleFleet> {
    const fleet = await startFleet({
      label: 'scale',
      gateways: 0,
      workers: 0,
      env: {
        WORKER_CONCURRENCY: String(options.concurrency),
        SESSION_IDLE_MS: String(options.sessionIdleMs),
        WORKER_DRAIN_MS: '1000',
        GATEWAY_DRAIN_MS: '1000',
        LOG_LEVEL: 'warn',
        CLI_STANDIN_STAMP: '1',
        CLAUDE_ENV_PASSTHROUGH: 'CLI_STANDIN_STAMP',
        TENANT_LIMITS: JSON.stringify({
          [SCALE_TENANT]: {
            maxSessions: options.maxSessions,
            maxQueuedTurns: options.maxSessions,
            requestsPerMinute: 1_000_000,
          },
        }),
      },
    });
    const services: Service[] = [];
    try {
      for (const role of ['worker', 'gateway'] as const) {
        for (const n of [1, 2]) {
          const inspectorPort = await freePort();
          const env = { NODE_OPTIONS: `--inspect-port=127.0.0.1:${inspectorPort}` };
          const process =
            role === 'worker' ? await fleet.addWorker(env) : await fleet.addGateway(env);
          services.push({ name: `${role}-${n}`, process, inspectorPort });
        }
      }
    } catch (error) {
      await fleet.close();
      throw error;
    }
    const redis = createRedisConnection(fleet.redis.url, { name: 'scale-observer' });
    return new ScaleFleet(fleet, redis, services);
  }

  get gatewayUrls(): URL[] {
    return this.fleet.gateways.map((g) => g.url);
  }

  /** Each service, the workers' CLI stand-ins, Redis: where a step's CPU goes. */
  cpuGroups(): CpuGroup[] {
    const redis = childNamed(process.pid, 'redis-server');
    return [
      ...this.services.map((s) => ({ name: s.name, pids: () => [s.process.pid] })),
      { name: 'cli-standin', pids: () => this.standinPids() },
      { name: 'redis', pids: () => (redis ? [redis] : []) },
    ];
  }

  /** Live CLI processes (stand-ins) under the workers. */
  liveClis(): number {
    return this.standinPids().length;
  }

  /** Sessions whose CLI a worker holds (lease keys). */
  async leases(): Promise<number> {
    let count = 0;
    const pattern = `${this.fleet.redis.keyPrefix}${keys.lease('*')}`;
    const stream = this.redis.scanStream({ match: pattern, count: 1_000 });
    for await (const batch of stream) count += (batch as string[]).length;
    return count;
  }

  /**
   * How these sessions' turns since `since` reached a worker, from their BullMQ jobs (kept for
   * the last 1,000 turns) and `running` events: how long each waited in the queue (added → taken
   * by the attempt that ran it), added → `running` (the CLI has the message), and how many were
   * first taken by a worker that did not hold the session (a hand-over: that worker asks the
   * holder to let go, the job waits HANDOVER_RETRY_MS, the session's CLI starts again from its
   * checkpoint).
   */
  async turnStarts(ids: readonly string[], since: number): Promise<TurnStarts> {
    const queue = new Queue(TURN_QUEUE, queueConnection(this.fleet.redis, 'scale-observer'));
    const inQueue: number[] = [];
    const toRunning: number[] = [];
    let turns = 0;
    let handedOver = 0;
    try {
      for (const id of ids) {
        const running = await this.runningAt(id);
        for (const [turn, at] of running) {
          const job = await queue.getJob(turnJobId(id, turn));
          if (!job?.processedOn || job.timestamp < since) continue;
          turns += 1;
          const started = job.attemptsStarted ?? 1;
          if (started > 1) handedOver += 1;
          inQueue.push(job.processedOn - job.timestamp);
          toRunning.push(at - job.timestamp);
        }
      }
    } finally {
      await queue.close();
      await closeQueueConnection(queue.opts.connection);
    }
    return {
      turns,
      handedOver,
      inQueue: summarizeLatency(inQueue),
      addedToRunning: summarizeLatency(toRunning),
    };
  }

  /** Turn → when its (last) `running` status event was written, for one session. */
  private async runningAt(id: string): Promise<Map<number, number>> {
    const key = `${this.fleet.redis.keyPrefix}${keys.events(id)}`;
    const at = new Map<number, number>();
    for (const [, fields] of await this.redis.xrange(key, '-', '+')) {
      const field = (name: string) => fields[fields.indexOf(name) + 1];
      if (field('kind') === 'status' && field('data') === '{"status":"running"}') {
        at.set(Number(field('turn')), Number(field('ts')));
      }
    }
    return at;
  }

  /**
   * Every service after forced full collections (one after the other, so the others keep
   * running), and Redis' figures. Inspectors attach on the first probe and stay attached.
   */
  async probe(): Promise<MemoryProbe> {
    const services: Record<string, SettledMemory> = {};
    for (const s of this.services) {
      s.inspector ??= await ServiceInspector.attach(s.process.pid, s.inspectorPort);
      services[s.name] = await s.inspector.settle(s.process.pid);
    }
    return { at: Date.now(), services, redis: await this.redisFigures() };
  }

  /** Heap snapshots of the services named (gateway-1, worker-1...) into `dir/<label>-<name>`. */
  async heapSnapshots(dir: string, label: string, names: readonly string[]): Promise<void> {
    for (const s of this.services.filter((x) => names.includes(x.name))) {
      s.inspector ??= await ServiceInspector.attach(s.process.pid, s.inspectorPort);
      await s.inspector.heapSnapshot(`${dir}/${label}-${s.name}.heapsnapshot`);
    }
  }

  async redisFigures(): Promise<RedisFigures> {
    const [memory, clients, channels, size] = await Promise.all([
      this.redis.info('memory'),
      this.redis.info('clients'),
      this.redis.pubsub('CHANNELS', '*') as Promise<string[]>,
      this.redis.dbsize(),
    ]);
    const field = (info: string, name: string) =>
      Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    return {
      usedMemoryMiB: field(memory, 'used_memory') / 2 ** 20,
      clients: field(clients, 'connected_clients'),
      channels: channels.length,
      keys: size,
    };
  }

  /**
   * Redis memory by kind of key (MEMORY USAGE, ids replaced by `<id>`): what a session leaves in
   * Redis, and what else grows. Bytes and key count per kind.
   */
  async keyKinds(): Promise<Record<string, { keys: number; bytes: number }>> {
    const kinds: Record<string, { keys: number; bytes: number }> = {};
    const stream = this.redis.scanStream({ count: 1_000 });
    for await (const batch of stream) {
      const names = batch as string[];
      if (!names.length) continue;
      const pipeline = this.redis.pipeline();
      for (const name of names) pipeline.memory('USAGE', name);
      const sizes = (await pipeline.exec()) ?? [];
      names.forEach((name, i) => {
        const kind = kindOf(name, this.fleet.redis.keyPrefix);
        const entry = (kinds[kind] ??= { keys: 0, bytes: 0 });
        entry.keys += 1;
        entry.bytes += Number(sizes[i]?.[1] ?? 0);
      });
    }
    return kinds;
  }

  async close(): Promise<void> {
    for (const s of this.services) s.inspector?.close();
    await closeRedis(this.redis);
    await this.fleet.close();
  }

  private standinPids(): number[] {
    return this.fleet.workers.flatMap((w) =>
      descendantsOf(w.pid).filter((pid) => commOf(pid) === 'cli-standin'),
    );
  }
}

const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** `csb:{<id>}:events`, BullMQ's `{csb}:turns:<id>:<n>` ...: one name per kind of key. */
function kindOf(name: string, prefix: string): string {
  return name
    .split(prefix)
    .join('')
    .replace(ID, '<id>')
    .replace(/:\d+(?=:|$)/g, ':<n>')
    .replace(/spend:\d{4}-\d\d-\d\d/, 'spend:<day>');
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
