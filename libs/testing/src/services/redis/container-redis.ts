import { containerControl, containerHint } from '../container-control';
import { TestServiceStartFailed } from '../errors';
import { ConditionTimeout, eventually } from '../../eventually';
import { freePort } from '../net';
import { pingRedis } from './redis-ping';
import type { TestRedis, TestRedisOptions } from './types';

const REDIS_PORT = 6379;
const GRACEFUL_STOP_MS = 10_000;

/** A throwaway redis container (testcontainers' reaper removes it if we die without close()). */
export async function startContainerRedis(
  opts: TestRedisOptions,
  namespace: string,
): Promise<TestRedis> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const hostPort = await freePort();
  const persistence =
    opts.persistence === 'aof'
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
  const container = await new GenericContainer(opts.image ?? 'redis:7-alpine')
    .withExposedPorts({ container: REDIS_PORT, host: hostPort })
    .withCommand(['redis-server', '--save', '', ...persistence])
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .withStartupTimeout(startTimeoutMs)
    .start()
    .catch((err: unknown) => {
      throw new TestServiceStartFailed('redis', containerHint('redis'), undefined, { cause: err });
    });
  const host = container.getHost();
  const port = container.getMappedPort(REDIS_PORT);
  const control = await containerControl(container);
  const waitReady = async (): Promise<void> => {
    await eventually('PONG', () => pingRedis(host, port), {
      timeoutMs: startTimeoutMs,
      intervalMs: 25,
    }).catch(async (err: unknown) => {
      if (!(err instanceof ConditionTimeout)) throw err;
      const logs = await container.logs({ tail: 25 }).then(readAll, () => '');
      throw new TestServiceStartFailed(
        `redis container ${host}:${port}`,
        'no PONG after start',
        logs,
      );
    });
  };
  await waitReady();
  const url = `redis://${host}:${port}`;
  let closed = false;
  return {
    source: 'container',
    url,
    host,
    port,
    namespace,
    keyPrefix: `${namespace}:`,
    canRestart: true,
    stop: () => control.stop(GRACEFUL_STOP_MS),
    kill: () => control.stop(0),
    start: async () => {
      await control.start();
      await waitReady();
    },
    restart: async () => {
      await control.stop(GRACEFUL_STOP_MS);
      await control.start();
      await waitReady();
    },
    env: () => ({ REDIS_URL: url }),
    close: async () => {
      if (closed) return;
      closed = true;
      await container.stop({ timeout: 0 });
    },
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text.trimEnd();
}
