import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import Redis from 'ioredis';

export interface EmbeddedRedis {
  /** `redis://:<password>@127.0.0.1:<port>`: the only place the password is. */
  url: string;
  /** The redis-server process (or the setpriv that became it). */
  pid: number;
  /** Stops it (SIGTERM: it flushes its append-only file); resolves once it has exited. */
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  binary?: string;
  /** util-linux setpriv, for the parent-death signal (default: /usr/bin/setpriv when present). */
  setpriv?: string | null;
  /** Longest wait for it to answer after start (default 10 s). */
  startTimeoutMs?: number;
}

/**
 * Commands an authenticated client still may not use: CONFIG (rewrites `dir`/`dbfilename`, the
 * classic way from a Redis to a shell), DEBUG, MODULE (loads code), and replication, which would
 * hand the data to another server. The app uses none of them.
 */
export const DISABLED_COMMANDS: readonly string[] = [
  'CONFIG',
  'DEBUG',
  'MODULE',
  'SLAVEOF',
  'REPLICAOF',
];

const STOP_GRACE_MS = 10_000;

/**
 * `npm start` without REDIS_URL: a private redis-server on a free loopback port, its data
 * (append-only file) under DATA_DIR so sessions survive a restart.
 *
 * - A fresh random password each start (`requirepass`). The whole configuration goes in on
 *   stdin (`redis-server -`), so neither the password nor anything else is in its argv
 *   (world-readable through `ps`) or on disk; only the returned URL holds it.
 * - Its own process group and session (`detached`): Ctrl-C in a terminal signals the
 *   foreground group, which no longer includes Redis. The app stops it itself, last, after
 *   gateway and worker closed (`stop()`).
 * - It still dies with the app: on the app's `exit`, and, where util-linux's setpriv exists,
 *   through the parent-death signal (SIGTERM when the app is SIGKILLed).
 */
export async function startEmbeddedRedis(
  dataDir: string,
  options: EmbeddedRedisOptions | string = {},
): Promise<EmbeddedRedis> {
  const opts = typeof options === 'string' ? { binary: options } : options;
  const binary = opts.binary ?? 'redis-server';
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const password = randomBytes(32).toString('hex');
  const config = [
    `port ${port}`,
    'bind 127.0.0.1',
    'protected-mode yes',
    `dir ${quote(dir)}`,
    'save ""',
    'appendonly yes',
    `requirepass ${password}`,
    ...DISABLED_COMMANDS.map((name) => `rename-command ${name} ""`),
  ].join('\n');

  const setpriv = opts.setpriv === undefined ? defaultSetpriv() : opts.setpriv;
  const [command, args] = setpriv
    ? [setpriv, ['--pdeathsig', 'TERM', '--', binary, '-']]
    : [binary, ['-']];
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2_000)));
  // What it printed, without the password (a config error echoes the offending line).
  const said = () => stderr.split(password).join('[redacted]').trim();
  child.stdin.on('error', () => undefined); // it may exit before reading: reported below
  child.stdin.end(`${config}\n`);
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (e) =>
      reject(
        new Error(`cannot start ${binary}: ${e.message}; install redis-server or set REDIS_URL`),
      ),
    );
    child.once('exit', (code) => reject(new Error(`${binary} exited (${code}): ${said()}`)));
  });
  spawnFailed.catch(() => undefined);
  const url = `redis://:${password}@127.0.0.1:${port}`;
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await Promise.race([waitForPing(url, opts.startTimeoutMs), spawnFailed]);
  } catch (error) {
    process.off('exit', killOnExit);
    child.kill('SIGKILL');
    throw error instanceof Error
      ? new Error(error.message.split(password).join('[redacted]'))
      : error;
  }
  return {
    url,
    pid: child.pid ?? -1,
    stop: async () => {
      process.off('exit', killOnExit);
      await stopChild(child);
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function defaultSetpriv(): string | null {
  try {
    accessSync('/usr/bin/setpriv', constants.X_OK);
    return '/usr/bin/setpriv';
  } catch {
    return null;
  }
}

/** A value in redis.conf syntax: double-quoted, backslashes and quotes escaped. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

async function waitForPing(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined); // refused until the server listens: expected here
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
