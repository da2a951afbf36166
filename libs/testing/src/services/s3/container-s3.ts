import { containerControl, containerHint } from '../container-control';
import { TestServiceStartFailed } from '../errors';
import { ConditionTimeout, eventually } from '../../eventually';
import { freePort } from '../net';
import { createBucket } from './bucket';
import { testS3ClientConfig, testS3Env } from './client-config';
import type { TestS3, TestS3Endpoint, TestS3Options } from './types';

const MINIO_PORT = 9000;
const MINIO_USER = 'minioadmin';
const MINIO_PASSWORD = 'minioadmin';
const GRACEFUL_STOP_MS = 10_000;

/** A throwaway MinIO container (testcontainers' reaper removes it if we die without close()). */
export async function startContainerS3(opts: TestS3Options, bucket: string): Promise<TestS3> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const hostPort = await freePort();
  const container = await new GenericContainer(opts.image ?? 'minio/minio')
    .withExposedPorts({ container: MINIO_PORT, host: hostPort })
    .withEnvironment({ MINIO_ROOT_USER: MINIO_USER, MINIO_ROOT_PASSWORD: MINIO_PASSWORD })
    .withCommand(['server', '/data'])
    .withWaitStrategy(Wait.forHttp('/minio/health/live', MINIO_PORT))
    .withStartupTimeout(startTimeoutMs)
    .start()
    .catch((err: unknown) => {
      throw new TestServiceStartFailed('minio', containerHint('minio'), undefined, { cause: err });
    });
  const endpoint: TestS3Endpoint = {
    endpoint: `http://${container.getHost()}:${container.getMappedPort(MINIO_PORT)}`,
    region: 'us-east-1',
    accessKeyId: MINIO_USER,
    secretAccessKey: MINIO_PASSWORD,
    forcePathStyle: true,
  };
  const control = await containerControl(container);
  const waitLive = async (): Promise<void> => {
    await eventually('minio health', () => isLive(endpoint.endpoint), {
      timeoutMs: startTimeoutMs,
      intervalMs: 100,
    }).catch((err: unknown) => {
      if (!(err instanceof ConditionTimeout)) throw err;
      throw new TestServiceStartFailed(
        `minio at ${endpoint.endpoint}`,
        'health check never passed after start',
      );
    });
  };
  await createBucket(endpoint, bucket);
  let closed = false;
  const base = { ...endpoint, source: 'container' as const, bucket, canStop: true };
  return {
    ...base,
    stop: () => control.stop(GRACEFUL_STOP_MS),
    start: async () => {
      await control.start();
      await waitLive();
    },
    clientConfig: () => testS3ClientConfig(endpoint),
    env: () => testS3Env(base),
    close: async () => {
      if (closed) return;
      closed = true;
      await container.stop({ timeout: 0 });
    },
  };
}

async function isLive(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/minio/health/live`, {
      signal: AbortSignal.timeout(1_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}
