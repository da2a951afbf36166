export { TestServiceConfigInvalid, TestServiceStartFailed, TestServiceUnsupported } from './errors';
export { isDockerAvailable } from './docker';
export { useTestRedis, useTestRedisCluster, useTestRedisTarget, useTestS3 } from './hooks';
export { freePort } from './net';
export type { ServiceSource, SourceOptions } from './source';
export { startTestRedis } from './redis/start-test-redis';
export type { TestRedis, TestRedisOptions } from './redis/types';
export { startTestRedisCluster } from './redis/redis-cluster';
export type {
  TestRedisCluster,
  TestRedisClusterNode,
  TestRedisClusterOptions,
  TestRedisFailover,
} from './redis/redis-cluster';
export { startTestRedisTarget } from './redis/redis-target';
export type { RedisTopology, TestRedisTarget, TestRedisTargetOptions } from './redis/redis-target';
export { startTestS3 } from './s3/start-test-s3';
export { testS3ClientConfig } from './s3/client-config';
export type { TestS3, TestS3Endpoint, TestS3Options } from './s3/types';
