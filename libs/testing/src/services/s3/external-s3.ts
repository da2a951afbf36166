import {
  TestServiceConfigInvalid,
  TestServiceStartFailed,
  TestServiceUnsupported,
} from '../errors';
import { envValue } from '../source';
import { createBucket, deleteBucket } from './bucket';
import { testS3ClientConfig, testS3Env } from './client-config';
import type { TestS3, TestS3Endpoint, TestS3Options } from './types';

/** The shared endpoint named by S3_ENDPOINT: isolation is a fresh bucket, deleted with its contents on close(). */
export async function useExternalS3(opts: TestS3Options, bucket: string): Promise<TestS3> {
  const endpoint = readEndpoint(opts.env ?? process.env);
  await createBucket(endpoint, bucket).catch((err: unknown) => {
    throw new TestServiceStartFailed(
      `S3 at S3_ENDPOINT (${endpoint.endpoint})`,
      `could not create bucket ${bucket}: ${(err as Error).message}; check S3_* or unset S3_ENDPOINT to get a private server`,
      undefined,
      { cause: err },
    );
  });
  const unsupported = (op: string) => async (): Promise<never> => {
    throw new TestServiceUnsupported(
      'TestS3',
      op,
      'S3_ENDPOINT points at a shared endpoint; pass { faultInjection: true } to get a private one',
    );
  };
  let closed = false;
  const base = { ...endpoint, source: 'env' as const, bucket, canStop: false };
  return {
    ...base,
    stop: unsupported('stop'),
    start: unsupported('start'),
    clientConfig: () => testS3ClientConfig(endpoint),
    env: () => testS3Env(base),
    close: async () => {
      if (closed) return;
      closed = true;
      await deleteBucket(endpoint, bucket);
    },
  };
}

function readEndpoint(env: NodeJS.ProcessEnv): TestS3Endpoint {
  const endpoint = envValue(env, 'S3_ENDPOINT');
  const accessKeyId = envValue(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = envValue(env, 'S3_SECRET_ACCESS_KEY');
  const missing = [
    !endpoint && 'S3_ENDPOINT',
    !accessKeyId && 'S3_ACCESS_KEY_ID',
    !secretAccessKey && 'S3_SECRET_ACCESS_KEY',
  ].filter(Boolean);
  if (!endpoint || !accessKeyId || !secretAccessKey) {
    throw new TestServiceConfigInvalid(
      `S3_ENDPOINT is set but these are missing: ${missing.join(', ')}`,
    );
  }
  const pathStyle = envValue(env, 'S3_FORCE_PATH_STYLE')?.toLowerCase();
  return {
    endpoint,
    region: envValue(env, 'S3_REGION') ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
    // Same default and spellings as libs/config.
    forcePathStyle: pathStyle === undefined || ['true', '1', 'yes'].includes(pathStyle),
  };
}
