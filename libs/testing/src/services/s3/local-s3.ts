import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOOPBACK } from '../net';
import { Watchdog } from '../watchdog';
import { createBucket } from './bucket';
import { testS3ClientConfig, testS3Env } from './client-config';
import { S3rverServer } from './s3rver-server';
import type { TestS3, TestS3Endpoint } from './types';

/** s3rver checks the access key id (it must be registered) but does not verify V4 signatures. */
const S3RVER_KEY = 'S3RVER';

/** An in-process s3rver on a free loopback port, storing into its own temp dir. */
export async function startLocalS3(bucket: string): Promise<TestS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-s3-'));
  // In-process, so nothing to kill; the watchdog only removes the dir if close() is never called.
  const watchdog = Watchdog.spawn(dir);
  const cleanup = (): void => {
    watchdog?.release();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const server = new S3rverServer(dir);
  try {
    await server.start();
    const endpoint: TestS3Endpoint = {
      endpoint: `http://${LOOPBACK}:${server.port}`,
      region: 'us-east-1',
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      forcePathStyle: true,
    };
    await createBucket(endpoint, bucket);
    return localHandle(endpoint, bucket, server, cleanup);
  } catch (err) {
    await server.stop();
    cleanup();
    throw err;
  }
}

function localHandle(
  endpoint: TestS3Endpoint,
  bucket: string,
  server: S3rverServer,
  cleanup: () => void,
): TestS3 {
  let closed = false;
  const base = {
    ...endpoint,
    source: 'local' as const,
    bucket,
    canStop: true,
    dataDir: server.dir,
  };
  return {
    ...base,
    stop: () => server.stop(),
    start: async () => {
      if (closed) throw new Error('TestS3.start() after close(): start a new instance instead');
      await server.start();
    },
    clientConfig: () => testS3ClientConfig(endpoint),
    env: () => testS3Env(base),
    close: async () => {
      if (closed) return;
      closed = true;
      await server.stop();
      cleanup();
    },
  };
}
