/**
 * A gateway's /readyz follows Redis: 503 while its own redis-server is stopped, 200 again once
 * it is back (ioredis reconnects by itself), while /healthz stays 200 throughout (a Redis outage
 * is no reason to restart the pod) and /metrics still answers (Prometheus sees the outage).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { eventually } from '@app/testing/eventually';
import { startTestRedis, type TestRedis } from '@app/testing/services';
import { startGateway } from '../apps/gateway/src/main';

let redis: TestRedis;
let gateway: INestApplication;
let dataDir: string;
let base: string;

const statusOf = (path: string) =>
  fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) }).then(
    (res) => res.status,
    () => 0,
  );

beforeAll(async () => {
  redis = await startTestRedis({ label: 'readyz' });
  dataDir = mkdtempSync(join(tmpdir(), 'readyz-'));
  gateway = await startGateway(
    loadConfig({
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.keyPrefix,
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    }),
  );
  base = `http://127.0.0.1:${(gateway.getHttpServer().address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await redis?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it('turns not ready while Redis is down and ready again once it is back', async () => {
  expect(await statusOf('/readyz')).toBe(200);

  await redis.stop();
  await eventually('/readyz to answer 503', async () => (await statusOf('/readyz')) === 503, {
    timeoutMs: 15_000,
    intervalMs: 200,
  });
  const down = (await (await fetch(`${base}/readyz`)).json()) as {
    error?: Record<string, { status: string }>;
  };
  expect(down.error?.redis?.status).toBe('down');
  expect(await statusOf('/healthz')).toBe(200);
  expect(await statusOf('/metrics')).toBe(200);

  await redis.start();
  await eventually('/readyz to answer 200 again', async () => (await statusOf('/readyz')) === 200, {
    timeoutMs: 30_000,
    intervalMs: 200,
  });
}, 90_000);
