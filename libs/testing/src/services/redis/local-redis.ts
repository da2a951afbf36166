import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestServiceStartFailed } from '../errors';
import { freePort, LOOPBACK } from '../net';
import { envValue } from '../source';
import { Watchdog } from '../watchdog';
import { RedisServerProcess } from './redis-server-process';
import type { TestRedis, TestRedisOptions } from './types';

/** Another process can take the free port between our probe and redis-server's bind. */
const PORT_ATTEMPTS = 3;

/** A private redis-server child on a free loopback port with its own temp dir. */
export async function startLocalRedis(
  opts: TestRedisOptions,
  namespace: string,
): Promise<TestRedis> {
  const env = opts.env ?? process.env;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-redis-'));
  const watchdog = Watchdog.spawn(dir);
  try {
    const server = await launchOnFreePort(dir, watchdog, {
      bin: envValue(env, 'REDIS_SERVER_BIN') ?? 'redis-server',
      appendOnly: opts.persistence === 'aof',
      startTimeoutMs: opts.startTimeoutMs ?? 10_000,
    });
    return localHandle(server.port, namespace, dir, server.process, () => {
      watchdog?.release();
      fs.rmSync(dir, { recursive: true, force: true });
    });
  } catch (err) {
    watchdog?.release();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function launchOnFreePort(
  dir: string,
  watchdog: Watchdog | undefined,
  config: { bin: string; appendOnly: boolean; startTimeoutMs: number },
): Promise<{ port: number; process: RedisServerProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = new RedisServerProcess({ ...config, port, dir }, watchdog);
    try {
      await server.start();
      return { port, process: server };
    } catch (err) {
      const portTaken =
        err instanceof TestServiceStartFailed && /address already in use/i.test(err.message);
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw err;
      fs.rmSync(server.logFile, { force: true });
    }
  }
}

function localHandle(
  port: number,
  namespace: string,
  dataDir: string,
  server: RedisServerProcess,
  cleanup: () => void,
): TestRedis {
  const url = `redis://${LOOPBACK}:${port}`;
  let closed = false;
  const ensureOpen = (op: string): void => {
    if (closed) throw new Error(`TestRedis.${op}() after close(): start a new instance instead`);
  };
  return {
    source: 'local',
    url,
    host: LOOPBACK,
    port,
    namespace,
    keyPrefix: `${namespace}:`,
    canRestart: true,
    dataDir,
    stop: () => server.stop('SIGTERM'),
    kill: () => server.stop('SIGKILL'),
    start: async () => {
      ensureOpen('start');
      await server.start();
    },
    restart: async () => {
      ensureOpen('restart');
      await server.stop('SIGTERM');
      await server.start();
    },
    env: () => ({ REDIS_URL: url }),
    close: async () => {
      if (closed) return;
      closed = true;
      await server.stop('SIGKILL');
      cleanup();
    },
  };
}
