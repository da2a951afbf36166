import { randomBytes } from 'node:crypto';
import { chooseSource, sanitizeLabel } from '../source';
import { startContainerS3 } from './container-s3';
import { useExternalS3 } from './external-s3';
import { startLocalS3 } from './local-s3';
import type { TestS3, TestS3Options } from './types';

/**
 * An S3 endpoint and a fresh bucket for one suite, from S3_ENDPOINT if set (unless faultInjection),
 * else a MinIO container when a Docker engine answers, else an in-process s3rver.
 */
export async function startTestS3(opts: TestS3Options = {}): Promise<TestS3> {
  // S3 bucket names: 3–63 of [a-z0-9-], globally unique on real S3, hence the random part.
  const bucket = `test-${sanitizeLabel(opts.label)}-${randomBytes(5).toString('hex')}`;
  switch (await chooseSource(opts, 'S3_ENDPOINT')) {
    case 'env':
      return useExternalS3(opts, bucket);
    case 'container':
      return startContainerS3(opts, bucket);
    case 'local':
      return startLocalS3(bucket);
  }
}
