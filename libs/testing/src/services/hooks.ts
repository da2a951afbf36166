import {
  startTestRedisCluster,
  type TestRedisCluster,
  type TestRedisClusterOptions,
} from './redis/redis-cluster';
import {
  startTestRedisTarget,
  type TestRedisTarget,
  type TestRedisTargetOptions,
} from './redis/redis-target';
import { startTestRedis } from './redis/start-test-redis';
import type { TestRedis, TestRedisOptions } from './redis/types';
import { startTestS3 } from './s3/start-test-s3';
import type { TestS3, TestS3Options } from './s3/types';

/**
 * Starts the service in beforeAll and closes it in afterAll of the enclosing describe; the
 * returned getter is valid inside tests and hooks registered after this call.
 */
function useService<T extends { close(): Promise<void> }>(
  name: string,
  start: () => Promise<T>,
): () => T {
  let service: T | undefined;
  beforeAll(async () => {
    service = await start();
  });
  afterAll(async () => {
    await service?.close();
    service = undefined;
  });
  return () => {
    if (!service) {
      throw new Error(
        `${name}(): not started; call the getter inside a test or a hook registered after ${name}()`,
      );
    }
    return service;
  };
}

export function useTestRedis(opts?: TestRedisOptions): () => TestRedis {
  return useService('useTestRedis', () => startTestRedis(opts));
}

export function useTestRedisCluster(opts?: TestRedisClusterOptions): () => TestRedisCluster {
  return useService('useTestRedisCluster', () => startTestRedisCluster(opts));
}

export function useTestRedisTarget(opts: TestRedisTargetOptions): () => TestRedisTarget {
  return useService('useTestRedisTarget', () => startTestRedisTarget(opts));
}

export function useTestS3(opts?: TestS3Options): () => TestS3 {
  return useService('useTestS3', () => startTestS3(opts));
}
