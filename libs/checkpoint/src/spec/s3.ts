import type { TestS3 } from '@app/testing/services';
import { S3ObjectStore } from '../object-store/s3-object-store';

/**
 * s3rver ignores `If-None-Match: *`, so against it the driver runs its documented
 * head-then-put fallback; against MinIO or a real endpoint, the conditional PUT.
 */
export function s3StoreFor(s3: TestS3): S3ObjectStore {
  return new S3ObjectStore(s3.clientConfig(), s3.bucket, {
    conditionalWrites: s3.source === 'local' ? 'head-then-put' : 'if-none-match',
    maxAttempts: 3,
  });
}
