/**
 * The whole system in one test process: real Redis (private, per suite), a worker and one or
 * more gateways as Nest apps, the real CLI (or the simulator) against the Messages API stub.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ElicitRequestSchema,
  type ElicitRequest,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import { discoverClaudeBinary } from '@app/claude';
import { loadConfig, type AppConfig } from '@app/config';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { startTestRedis, type TestRedis } from '@app/testing/services';
import { startGateway } from '../../apps/gateway/src/main';
import { startWorker } from '../../apps/worker/src/main';

export const TENANT_KEYS = {
  acme: 'acme-key-0123456789abcdef',
  globex: 'globex-key-0123456789abcdef',
} as const;

export interface SystemOptions {
  redisUrl: string;
  keyPrefix?: string;
  env?: Record<string, string>;
}

export interface RunningSystem {
  config: AppConfig;
  dataDir: string;
  worker: INestApplication;
  gateways: INestApplication[];
  urls: URL[];
  addGateway(): Promise<URL>;
  addWorker(env?: Record<string, string>): Promise<INestApplication>;
  close(): Promise<void>;
}

function configFor(options: SystemOptions, dataDir: string, extra: Record<string, string> = {}) {
  return loadConfig({
    PATH: process.env.PATH,
    PORT: '0',
    HOST: '127.0.0.1',
    WORKER_HEALTH_PORT: '0',
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.keyPrefix,
    DATA_DIR: dataDir,
    MCP_API_KEYS: Object.entries(TENANT_KEYS)
      .map(([t, k]) => `${t}:${k}`)
      .join(','),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WORKER_CONCURRENCY: '4',
    ...options.env,
    ...extra,
  });
}

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sys-'));
  const dirs = [dataDir];
  const config = configFor(options, dataDir);
  const workers = [await startWorker(config)];
  const gateways: INestApplication[] = [];
  const urls: URL[] = [];
  const addGateway = async () => {
    const app = await startGateway(config);
    gateways.push(app);
    const { port } = app.getHttpServer().address() as AddressInfo;
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    urls.push(url);
    return url;
  };
  await addGateway();
  return {
    config,
    dataDir,
    worker: workers[0],
    gateways,
    urls,
    addGateway,
    addWorker: async (env = {}) => {
      const dir = mkdtempSync(join(tmpdir(), 'sysw-'));
      dirs.push(dir);
      const app = await startWorker(configFor(options, dir, env));
      workers.push(app);
      return app;
    },
    close: async () => {
      await Promise.allSettled(gateways.map((g) => g.close()));
      // A closed worker has hibernated its sessions: no CLI writes into the data dirs any more.
      await Promise.allSettled(workers.map((w) => w.close()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An MCP client of the SDK, authenticated as a tenant. */
export async function connectClient(
  url: URL,
  tenant: keyof typeof TENANT_KEYS,
  options: { onElicit?: (request: ElicitRequest) => Promise<ElicitResult> } = {},
): Promise<Client> {
  const client = new Client(
    { name: `test-${tenant}`, version: '1.0.0' },
    options.onElicit ? { capabilities: { elicitation: { form: {} } } } : {},
  );
  const onElicit = options.onElicit;
  if (onElicit) client.setRequestHandler(ElicitRequestSchema, (request) => onElicit(request));
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { authorization: `Bearer ${TENANT_KEYS[tenant]}` } },
  });
  await client.connect(transport);
  // Listing the tools makes the SDK client check every structuredContent against its tool's
  // advertised outputSchema: each call of every e2e test holds the schemas to the truth.
  await client.listTools();
  return client;
}

/** A call's whole answer: the text it opens with, whether it is a tool error, its structuredContent. */
export async function callToolAnswer<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options: { timeout?: number } = {},
): Promise<{ isError: boolean; text: string; structured: T }> {
  const result = await client.callTool({ name, arguments: args }, undefined, {
    timeout: options.timeout ?? 60_000,
    resetTimeoutOnProgress: true,
  });
  const first = (result.content as Array<{ type: string; text?: string }>)[0];
  return {
    isError: result.isError === true,
    text: first?.type === 'text' ? (first.text ?? '') : '',
    structured: result.structuredContent as T,
  };
}

/**
 * structuredContent of a successful call, or the error text of a tool error (thrown): a failed
 * turn included (callToolAnswer reads its structuredContent too).
 */
export async function callTool<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options: {
    onprogress?: (p: { progress: number; message?: string }) => void;
    timeout?: number;
  } = {},
): Promise<T> {
  const result = await client.callTool({ name, arguments: args }, undefined, {
    onprogress: options.onprogress,
    timeout: options.timeout ?? 60_000,
    resetTimeoutOnProgress: true,
  });
  if (result.isError) {
    const text = (result.content as Array<{ text?: string }>).map((c) => c.text).join(' ');
    throw new Error(`tool error: ${text}`);
  }
  return result.structuredContent as T;
}

/** The whole system with the real CLI against its own Messages API stub and a private Redis. */
export interface RealCliSystem {
  redis: TestRedis;
  stub: MessagesStub;
  system: RunningSystem;
  close(): Promise<void>;
}

export async function startRealCliSystem(
  label: string,
  env: Record<string, string> = {},
): Promise<RealCliSystem> {
  const [redis, stub] = await Promise.all([startTestRedis({ label }), startMessagesStub()]);
  const system = await startSystem({
    redisUrl: redis.url,
    keyPrefix: redis.keyPrefix,
    env: {
      CLAUDE_BIN: discoverClaudeBinary({ path: '' }),
      ANTHROPIC_BASE_URL: stub.url,
      ANTHROPIC_API_KEY: 'test-key',
      ...env,
    },
  });
  return {
    redis,
    stub,
    system,
    close: async () => {
      await system.close();
      await Promise.allSettled([stub.close(), redis.close()]);
    },
  };
}
