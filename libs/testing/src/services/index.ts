export { TestServiceConfigInvalid, TestServiceStartFailed, TestServiceUnsupported } from './errors';
export { isDockerAvailable } from './docker';
export { useTestRedis, useTestS3 } from './hooks';
export type { ServiceSource, SourceOptions } from './source';
export { startTestRedis } from './redis/start-test-redis';
export type { TestRedis, TestRedisOptions } from './redis/types';
export { startTestS3 } from './s3/start-test-s3';
export { testS3ClientConfig } from './s3/client-config';
export type { TestS3, TestS3Endpoint, TestS3Options } from './s3/types';
