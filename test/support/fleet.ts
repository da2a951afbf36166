/*
 * Gateways and workers as separate processes (production wiring, from source), on one Redis and
 * one data dir, with the CLI stand-in as `claude`: what the fault tests kill, stop and restart.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startTestRedis,
  startTestRedisCluster,
  type TestRedis,
  type TestRedisCluster,
  type TestS3,
} from '@app/testing/services';
import { buildCliStandin } from '../../libs/testing/cli-standin/build';
import { freePort, startService, type ServiceProcess } from '../../bench/system-processes';
import { TENANT_KEYS } from './system';

export interface FleetProcess {
  readonly role: 'gateway' | 'worker';
  readonly pid: number;
  /** The gateway's /mcp, or the worker's health port base URL. */
  readonly url: URL;
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Exited without being told to (kill() and stop() tell it to). */
  crashed(): boolean;
  /** SIGKILL: a crash. */
  kill(): void;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Fleet {
  /** Where the fleet's Redis is (REDIS_URL, REDIS_KEY_PREFIX). */
  redis: { url: string; keyPrefix: string };
  /** The fleet's Redis server (restartable), unless it runs on a cluster. */
  redisServer?: TestRedis;
  /** The fleet's Redis Cluster (FleetOptions.cluster). */
  redisCluster?: TestRedisCluster;
  dataDir: string;
  gateways: FleetProcess[];
  workers: FleetProcess[];
  addGateway(env?: Record<string, string>): Promise<FleetProcess>;
  addWorker(env?: Record<string, string>): Promise<FleetProcess>;
  close(): Promise<void>;
}

export interface FleetOptions {
  gateways?: number;
  workers?: number;
  /**
   * Checkpoints in this S3-protocol server instead of the data dir; each worker then has a data
   * dir of its own, as on Kubernetes (workers sharing one see each other's session files).
   */
  s3?: TestS3;
  /** Redis keeps its data across a restart (append-only file). */
  persistent?: boolean;
  /** A Redis Cluster (three masters, a replica each; cluster-node-timeout 1 s) instead. */
  cluster?: boolean;
  /** For every process (e.g. WORKER_LIVENESS_MS). */
  env?: Record<string, string>;
  label?: string;
}

/** Starts Redis (restartable), the gateways and the workers. */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const label = options.label ?? 'fleet';
  const [redis, standin] = await Promise.all([
    options.cluster
      ? startTestRedisCluster({ label, nodeTimeoutMs: 1_000 })
      : startTestRedis({ label, persistence: options.persistent ? 'aof' : 'none' }),
    buildCliStandin(),
  ]);
  const dataDir = mkdtempSync(join(tmpdir(), 'fleet-'));
  const common = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: redis.keyPrefix,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    MCP_API_KEYS: Object.entries(TENANT_KEYS)
      .map(([tenant, key]) => `${tenant}:${key}`)
      .join(','),
    CLAUDE_BIN: standin,
    // The stand-in replays; it runs unsandboxed, as in the stream benchmark.
    SANDBOX: 'none',
    SANDBOX_NETWORK: 'host',
    ...(options.s3 ? options.s3.env() : {}),
    ...options.env,
  };
  /** Processes still starting: close() waits for them, so none is left behind. */
  const starting = new Set<Promise<unknown>>();
  const tracked = <T>(start: Promise<T>): Promise<T> => {
    starting.add(start);
    void start.finally(() => starting.delete(start)).catch(() => undefined);
    return start;
  };
  const fleet: Fleet = {
    redis: { url: redis.url, keyPrefix: redis.keyPrefix },
    ...('restart' in redis ? { redisServer: redis } : { redisCluster: redis }),
    dataDir,
    gateways: [],
    workers: [],
    addGateway: async (env = {}) => {
      const port = await freePort();
      const service = await tracked(
        startService(
          'apps/gateway/src/main.ts',
          { ...common, PORT: String(port), ...env, LOG_LEVEL: 'info' },
          'gateway listening',
        ),
      );
      const p = wrap('gateway', service, new URL(`http://127.0.0.1:${port}/mcp`));
      fleet.gateways.push(p);
      return p;
    },
    addWorker: async (env = {}) => {
      const port = await freePort();
      const own = options.s3 ? { DATA_DIR: mkdtempSync(join(dataDir, 'worker-')) } : {};
      const service = await tracked(
        startService(
          'apps/worker/src/main.ts',
          { ...common, ...own, WORKER_HEALTH_PORT: String(port), ...env, LOG_LEVEL: 'info' },
          'worker ready',
        ),
      );
      const p = wrap('worker', service, new URL(`http://127.0.0.1:${port}/`));
      fleet.workers.push(p);
      return p;
    },
    close: async () => {
      await Promise.allSettled([...starting]);
      const all = [...fleet.gateways, ...fleet.workers].filter((p) => p.alive());
      await Promise.allSettled(all.map((p) => p.stop()));
      await redis.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < (options.workers ?? 1); i++) await fleet.addWorker();
  for (let i = 0; i < (options.gateways ?? 1); i++) await fleet.addGateway();
  return fleet;
}

function wrap(role: FleetProcess['role'], service: ServiceProcess, url: URL): FleetProcess {
  const { child } = service;
  const exited = once(child, 'exit').then(async ([code, signal]) => {
    await service.stop(); // stops its RSS sampler
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  let told = false;
  return {
    role,
    pid: child.pid ?? 0,
    url,
    exited,
    alive,
    crashed: () => !told && !alive(),
    kill: () => {
      told = true;
      child.kill('SIGKILL');
    },
    stop: async () => {
      told = true;
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The worker (of the fleet) whose id names this pid: worker ids are `<host>-<pid>-<random>`. */
export function workerOf(fleet: Fleet, workerId: string): FleetProcess | undefined {
  return fleet.workers.find((w) => workerId.split('-').at(-2) === String(w.pid));
}
