import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { TestServiceStartFailed } from '../errors';
import { ConditionTimeout, eventually } from '../../eventually';
import { LOOPBACK } from '../net';
import type { Watchdog } from '../watchdog';
import { pingRedis } from './redis-ping';

export interface RedisServerConfig {
  bin: string;
  port: number;
  dir: string;
  /** AOF with fsync on every write, so data survives even kill(). */
  appendOnly: boolean;
  startTimeoutMs: number;
  /** More redis.conf settings, e.g. cluster mode's (name without `--`, value). */
  extra?: ReadonlyArray<readonly [string, string]>;
}

const STOP_GRACE_MS = 5_000;
const STDERR_KEEP = 4_096;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One redis-server child that can be stopped and started again on the same port and data dir. */
export class RedisServerProcess {
  private child?: ChildProcess;
  private exited?: Promise<Exit>;
  private exit?: Exit;
  private spawnError?: Error;
  private stderr = '';

  constructor(
    private readonly config: RedisServerConfig,
    private readonly watchdog?: Watchdog,
  ) {}

  get logFile(): string {
    return path.join(this.config.dir, 'redis.log');
  }

  get running(): boolean {
    return this.child !== undefined && this.exit === undefined;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.launch();
    await eventually('PONG', () => pingRedis(LOOPBACK, this.config.port), {
      timeoutMs: this.config.startTimeoutMs,
      intervalMs: 25,
      abort: () => this.startAbort(),
    }).catch(async (err: unknown) => {
      await this.stop('SIGKILL');
      if (!(err instanceof ConditionTimeout)) throw err;
      throw this.failure(
        `no PONG on port ${this.config.port} within ${this.config.startTimeoutMs} ms`,
      );
    });
  }

  /** SIGTERM is Redis's graceful shutdown; SIGKILL simulates a crash. Resolves once the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.exited || this.exit) return;
    child.kill(signal);
    // This timer also keeps the event loop alive while we wait: the child itself is unref'd.
    const escalate = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(escalate);
    }
  }

  /** The last lines of the server log plus anything it printed before the log was open. */
  logTail(lines = 25): string {
    let log = '';
    try {
      log = fs.readFileSync(this.logFile, 'utf8');
    } catch {
      // No log yet: redis-server died before opening it; stderr says why.
    }
    const tail = log.trimEnd().split('\n').slice(-lines).join('\n');
    return [tail, this.stderr.trim()].filter(Boolean).join('\n');
  }

  private launch(): void {
    this.exit = undefined;
    this.spawnError = undefined;
    this.stderr = '';
    const child = spawn(this.config.bin, redisArgs(this.config, this.logFile), {
      cwd: this.config.dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.watchdog?.track(undefined);
        resolve(this.exit);
      });
    });
    child.once('error', (err) => {
      this.spawnError = err;
      this.exit ??= { code: null, signal: null };
    });
    const stderr = child.stderr as Readable & { unref?: () => void };
    stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    // A suite that forgets close() must not hang jest; the watchdog reaps the server instead.
    stderr.unref?.();
    child.unref();
    this.watchdog?.track(child.pid);
  }

  private startAbort(): Error | undefined {
    if (this.spawnError) {
      const hint =
        (this.spawnError as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${this.config.bin} not found: install redis-server, set REDIS_SERVER_BIN, set REDIS_URL, or run a Docker engine`
          : this.spawnError.message;
      return this.failure(hint, this.spawnError);
    }
    if (this.exit) {
      const how = this.exit.signal ? `signal ${this.exit.signal}` : `code ${this.exit.code}`;
      return this.failure(`redis-server exited with ${how} before answering PING`);
    }
    return undefined;
  }

  private failure(detail: string, cause?: unknown): TestServiceStartFailed {
    return new TestServiceStartFailed(
      `redis-server on ${LOOPBACK}:${this.config.port}`,
      detail,
      this.logTail() || undefined,
      { cause },
    );
  }
}

function redisArgs(config: RedisServerConfig, logFile: string): string[] {
  const settings: Array<readonly [string, string]> = [
    ['port', String(config.port)],
    ['bind', LOOPBACK],
    ['dir', config.dir],
    ['logfile', logFile],
    ['save', ''], // no RDB snapshots: nothing to wait for on shutdown, nothing left on disk
    ['appendonly', config.appendOnly ? 'yes' : 'no'],
    ['appendfsync', 'always'], // only matters with AOF: lets data survive kill()
    ['daemonize', 'no'],
    ...(config.extra ?? []),
  ];
  return settings.flatMap(([name, value]) => [`--${name}`, value]);
}
