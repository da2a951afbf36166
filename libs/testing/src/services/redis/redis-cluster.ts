import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ConditionTimeout, eventually } from '../../eventually';
import { TestServiceStartFailed } from '../errors';
import { freePort, LOOPBACK } from '../net';
import { envValue, sanitizeLabel } from '../source';
import { Watchdog } from '../watchdog';
import { RedisServerProcess } from './redis-server-process';

export interface TestRedisClusterOptions {
  /** Shows up in the key namespace, like startTestRedis' label. */
  label?: string;
  /** Masters (each with one replica); default 3. */
  masters?: number;
  /**
   * cluster-node-timeout: how long a node may be unreachable before it counts as failing, which
   * is most of a failover's time (default 1000 ms; Redis' own default is 15 s).
   */
  nodeTimeoutMs?: number;
  /** Longest wait for the cluster to form (or heal) (default 30 s). */
  startTimeoutMs?: number;
  /** Where REDIS_SERVER_BIN / REDIS_CLI_BIN are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** One redis-server of the cluster. */
export interface TestRedisClusterNode {
  readonly host: string;
  readonly port: number;
  /** Its private temp dir (redis.log, nodes.conf). */
  readonly dataDir: string;
  readonly running: boolean;
  /** SIGKILL: a crash. The cluster notices after nodeTimeoutMs. */
  kill(): Promise<void>;
  /** Starts it again on its port and dir: it rejoins the cluster (a former master as a replica). */
  start(): Promise<void>;
}

/** What failover() did and how long the cluster took. */
export interface TestRedisFailover {
  /** The master that served the key's slot, killed. */
  killed: TestRedisClusterNode;
  /** Its replica, now serving the slot. */
  promoted: TestRedisClusterNode;
  /** Date.now() at the kill. */
  killedAt: number;
  /** From the kill until every live node agreed on the new master and reported cluster_state:ok. */
  ms: number;
}

/** A private Redis Cluster (masters with one replica each) on free loopback ports. */
export interface TestRedisCluster {
  /** A seed node, `redis://127.0.0.1:<port>`: what REDIS_URL holds for a cluster. */
  readonly url: string;
  readonly nodes: readonly TestRedisClusterNode[];
  /** Unique per call, as TestRedis.namespace. */
  readonly namespace: string;
  /** `${namespace}:`, for ioredis keyPrefix (and REDIS_KEY_PREFIX). */
  readonly keyPrefix: string;
  /** Variables that point libs/config at the cluster (its seed: the apps detect the cluster). */
  env(): { REDIS_URL: string };
  /** The master serving `key`'s slot now (the key as stored: with any prefix). */
  masterOf(key: string): Promise<TestRedisClusterNode>;
  /**
   * Kills the master serving `key`'s slot and resolves once its replica has taken over, every
   * live node agrees and reports cluster_state:ok.
   */
  failover(key: string): Promise<TestRedisFailover>;
  /**
   * Resolves once the replicas of the master serving `key` have every write it took so far.
   * Replication is asynchronous: a failover loses what a replica had not received yet (on
   * loopback well under a millisecond), so a test that checks data survives waits for this.
   */
  replicated(key: string): Promise<void>;
  /** Resolves once every running node reports cluster_state:ok and sees the same masters. */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Connections subscribed to `channel` (as published: with any prefix), summed over the running
   * nodes: a cluster client subscribes on one node of its choice.
   */
  subscribers(channel: string): Promise<number>;
  /** Kills every node and removes their dirs. Idempotent. */
  close(): Promise<void>;
}

/** A node's port, or its cluster bus port, may be taken between our probe and its bind. */
const PORT_ATTEMPTS = 3;

/**
 * Starts `masters` × 2 redis-server processes with `cluster-enabled yes`, joins them with
 * `redis-cli --cluster create --cluster-replicas 1` and resolves once every node reports
 * cluster_state:ok and every replica is in sync with its master (so a failover can happen).
 * Each node has a temp dir and a watchdog of its own, so nothing outlives the test process.
 */
export async function startTestRedisCluster(
  options: TestRedisClusterOptions = {},
): Promise<TestRedisCluster> {
  const env = options.env ?? process.env;
  const masters = options.masters ?? 3;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1_000;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const namespace = `test-${sanitizeLabel(options.label)}-${randomBytes(4).toString('hex')}`;
  const nodes: ClusterNode[] = [];
  const cluster = new Cluster(nodes, namespace, startTimeoutMs);
  try {
    const started = await Promise.all(
      Array.from({ length: masters * 2 }, () =>
        startNode(envValue(env, 'REDIS_SERVER_BIN') ?? 'redis-server', nodeTimeoutMs),
      ),
    );
    nodes.push(...started);
    await createCluster(envValue(env, 'REDIS_CLI_BIN') ?? 'redis-cli', nodes, startTimeoutMs);
    await cluster.waitUntilHealthy(startTimeoutMs, { replicasInSync: masters });
    return cluster;
  } catch (err) {
    await cluster.close();
    throw err;
  }
}

class ClusterNode implements TestRedisClusterNode {
  readonly host = LOOPBACK;

  constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly server: RedisServerProcess,
    private readonly watchdog: Watchdog | undefined,
  ) {}

  get running(): boolean {
    return this.server.running;
  }

  kill(): Promise<void> {
    return this.server.stop('SIGKILL');
  }

  start(): Promise<void> {
    return this.server.start();
  }

  logTail(): string {
    return this.server.logTail(10);
  }

  async remove(): Promise<void> {
    await this.server.stop('SIGKILL');
    this.watchdog?.release();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

class Cluster implements TestRedisCluster {
  readonly keyPrefix: string;
  private closed = false;

  constructor(
    readonly nodes: ClusterNode[],
    readonly namespace: string,
    private readonly timeoutMs: number,
  ) {
    this.keyPrefix = `${namespace}:`;
  }

  get url(): string {
    return `redis://${LOOPBACK}:${this.nodes[0].port}`;
  }

  env(): { REDIS_URL: string } {
    return { REDIS_URL: this.url };
  }

  async masterOf(key: string): Promise<ClusterNode> {
    const port = await this.ask(async (admin) => {
      const slot = Number(await admin.call('CLUSTER', 'KEYSLOT', key));
      return slotMap(await clusterSlots(admin)).masterOf(slot);
    });
    const node = this.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no node of this cluster serves the slot of ${key}`);
    return node;
  }

  async failover(key: string): Promise<TestRedisFailover> {
    const killed = await this.masterOf(key);
    const killedAt = Date.now();
    await killed.kill();
    let promoted: ClusterNode | undefined;
    await eventually(
      () => `a replica of ${killed.port} to serve ${key}; ${this.describe()}`,
      async () => {
        promoted = await this.masterOf(key).catch(() => undefined);
        return promoted !== undefined && promoted !== killed && (await this.healthy());
      },
      { timeoutMs: this.timeoutMs, intervalMs: 20 },
    );
    return { killed, promoted: promoted!, killedAt, ms: Date.now() - killedAt };
  }

  async replicated(key: string): Promise<void> {
    const master = await this.masterOf(key);
    const info = (text: string) => text.split(/\r?\n/);
    const offsetOf = (lines: string[]) =>
      Number(lines.find((l) => l.startsWith('master_repl_offset:'))?.split(':')[1] ?? NaN);
    const target = offsetOf(info(await withNode(master.port, (a) => a.info('replication'))));
    await eventually(
      () => `the replicas of ${master.port} to reach offset ${target}`,
      async () => {
        const lines = info(await withNode(master.port, (a) => a.info('replication')));
        const replicas = lines.filter((l) => /^slave\d+:/.test(l));
        return (
          replicas.length > 0 &&
          replicas.every((l) => Number(/offset=(\d+)/.exec(l)?.[1] ?? -1) >= target)
        );
      },
      { timeoutMs: this.timeoutMs, intervalMs: 10 },
    );
  }

  async waitUntilHealthy(
    timeoutMs = this.timeoutMs,
    options: { replicasInSync?: number } = {},
  ): Promise<void> {
    await eventually(
      () => `cluster_state:ok on every node; ${this.describe()}`,
      () => this.healthy(options.replicasInSync),
      { timeoutMs, intervalMs: 50 },
    ).catch((err: unknown) => {
      if (!(err instanceof ConditionTimeout)) throw err;
      throw new TestServiceStartFailed(
        `redis cluster on ${this.nodes.map((n) => n.port).join(', ')}`,
        err.message,
      );
    });
  }

  async subscribers(channel: string): Promise<number> {
    const counts = await Promise.all(
      this.nodes
        .filter((n) => n.running)
        .map((n) =>
          withNode(n.port, async (admin) => {
            const [, count] = (await admin.pubsub('NUMSUB', channel)) as [string, number];
            return Number(count);
          }),
        ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.nodes.map((n) => n.remove()));
  }

  /**
   * Every running node says cluster_state:ok and maps every slot to the same running master;
   * with `replicasInSync`, that many replicas also report their link to the master up.
   */
  private async healthy(replicasInSync = 0): Promise<boolean> {
    const running = this.nodes.filter((n) => n.running);
    const views = await Promise.all(
      running.map((node) =>
        withNode(node.port, async (admin) => {
          const info = String(await admin.call('CLUSTER', 'INFO'));
          const replication = await admin.info('replication');
          const slots = slotMap(await clusterSlots(admin));
          return {
            ok: /cluster_state:ok/.test(info),
            synced: /role:slave/.test(replication) && /master_link_status:up/.test(replication),
            owners: slots.layout,
            mastersRunning: slots.masters.every((port) => running.some((n) => n.port === port)),
            covered: slots.covered === SLOTS,
          };
        }).catch(() => undefined),
      ),
    );
    return (
      views.every((v) => v?.ok && v.covered && v.mastersRunning) &&
      new Set(views.map((v) => v?.owners)).size === 1 &&
      views.filter((v) => v?.synced).length >= replicasInSync
    );
  }

  private async ask<T>(question: (admin: Redis) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (const node of this.nodes.filter((n) => n.running)) {
      try {
        return await withNode(node.port, question);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError ?? new Error('no node of the cluster is running');
  }

  private describe(): string {
    return this.nodes
      .map((n) => `${n.port} ${n.running ? 'running' : 'down'}: ${n.logTail().split('\n').at(-1)}`)
      .join('; ');
  }
}

const SLOTS = 16_384;

async function startNode(bin: string, nodeTimeoutMs: number): Promise<ClusterNode> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-redis-cluster-'));
  const watchdog = Watchdog.spawn(dir);
  try {
    for (let attempt = 1; ; attempt++) {
      const [port, busPort] = await Promise.all([freePort(), freePort()]);
      const server = new RedisServerProcess(
        {
          bin,
          port,
          dir,
          appendOnly: false,
          startTimeoutMs: 10_000,
          extra: [
            ['cluster-enabled', 'yes'],
            ['cluster-config-file', path.join(dir, 'nodes.conf')],
            ['cluster-node-timeout', String(nodeTimeoutMs)],
            // The bus port is port + 10000 by default, which a free port near 65535 cannot have.
            ['cluster-port', String(busPort)],
            // A replica may always take over, however long its master was away.
            ['cluster-replica-validity-factor', '0'],
            // Replicas sync at once (Redis waits 5 s for more replicas to share a diskless sync).
            ['repl-diskless-sync-delay', '0'],
          ],
        },
        watchdog,
      );
      try {
        await server.start();
        return new ClusterNode(port, dir, server, watchdog);
      } catch (err) {
        const taken =
          err instanceof TestServiceStartFailed && /address already in use/i.test(err.message);
        if (!taken || attempt >= PORT_ATTEMPTS) throw err;
        fs.rmSync(server.logFile, { force: true });
      }
    }
  } catch (err) {
    watchdog?.release();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function createCluster(cli: string, nodes: ClusterNode[], timeoutMs: number): Promise<void> {
  const args = [
    '--cluster',
    'create',
    ...nodes.map((n) => `${n.host}:${n.port}`),
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ];
  return new Promise((resolve, reject) => {
    execFile(cli, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const hint =
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${cli} not found: install redis-tools (redis-cli) or set REDIS_CLI_BIN`
          : `redis-cli --cluster create failed: ${err.message}`;
      const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n');
      reject(new TestServiceStartFailed('redis cluster', hint, output, { cause: err }));
    });
  });
}

type SlotRange = [number, number, [string, number, ...unknown[]], ...unknown[]];

async function clusterSlots(admin: Redis): Promise<SlotRange[]> {
  return (await admin.call('CLUSTER', 'SLOTS')) as SlotRange[];
}

/** Which master serves which slots, as one node sees it. */
function slotMap(ranges: SlotRange[]) {
  const owned = ranges.map(([from, to, [, port]]) => ({ from, to, port: Number(port) }));
  return {
    masterOf: (slot: number) => owned.find((r) => r.from <= slot && slot <= r.to)?.port,
    masters: owned.map((r) => r.port),
    covered: owned.reduce((n, r) => n + r.to - r.from + 1, 0),
    /** Comparable between nodes: the same text when they agree. */
    layout: owned
      .map((r) => `${r.from}-${r.to}:${r.port}`)
      .sort()
      .join(','),
  };
}

/** A one-shot connection to one node that fails fast instead of reconnecting. */
async function withNode<T>(port: number, fn: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis({
    host: LOOPBACK,
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    if (admin.status !== 'end') admin.disconnect();
  }
}
