/*
 * Test support for the MCP HTTP layer: a real gateway on a free port, and a tiny toolset whose
 * behaviour (progress, abort) tests can observe.
 */
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { InvalidRequest } from '@app/contracts';
import { createRedisConnection } from '@app/redis';
import { startGateway } from '../../apps/gateway/src/main';
import { defineTool, type ToolDefinition } from '../../apps/gateway/src/mcp';
import { taskSupport, type TaskArguments } from '../../apps/gateway/src/tasks';

export interface TestGatewayOptions {
  /** Unset: a gateway without Redis, whose /mcp answers 503. */
  redisUrl?: string;
  /** ioredis keyPrefix (TestRedis.keyPrefix), so suites sharing a server stay apart. */
  keyPrefix?: string;
  /** MCP_API_KEYS syntax (`tenant:key,...`); unset: the no-key, loopback-only mode. */
  apiKeys?: string;
  tools?: ToolDefinition[];
  /** Tools whose calls 2026-07-28 clients may get as tasks (default: none of the fakes). */
  taskTools?: Record<string, TaskArguments>;
  /** How often task clients are told to poll, and how long a task's lease lasts. */
  taskOptions?: { pollIntervalMs?: number; leaseMs?: number };
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export interface TestGateway {
  app: INestApplication;
  /** http://127.0.0.1:<port>/mcp */
  url: URL;
  close(): Promise<void>;
}

/** Starts the real gateway (startGateway, same wiring as production) on a free loopback port. */
export async function startTestGateway(opts: TestGatewayOptions): Promise<TestGateway> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: opts.redisUrl,
    MCP_API_KEYS: opts.apiKeys,
    LOG_LEVEL: opts.logLevel ?? 'silent',
  });
  const redis = opts.redisUrl
    ? createRedisConnection(opts.redisUrl, {
        name: 'test-gateway',
        keyPrefix: opts.keyPrefix,
        maxRetriesPerRequest: 3,
      })
    : undefined;
  const app = await startGateway(config, {
    toolset: { useValue: opts.tools ?? fakeToolset().tools },
    redis: redis ? { useValue: redis } : undefined,
    tasks: taskSupport(opts.taskTools ?? {}, opts.taskOptions),
  });
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    close: async () => {
      await app.close();
      // Not closeRedis(): its 1 s fallback timer outlives the test and keeps a jest worker alive.
      await redis?.quit();
    },
  };
}

/** What the fake tools saw, for assertions. */
export class FakeToolProbe {
  readonly aborts: unknown[] = [];
  /** Progress messages the `flood` tool has handed to the transport so far. */
  flooded = 0;
  /** True while the `flood` tool waits for the transport to take its next message. */
  floodWaiting = false;
  private waiters: Array<(reason: unknown) => void> = [];

  /** Resolves with the abort reason of the next `slow` call that is aborted. */
  nextAbort(): Promise<unknown> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  recordAbort(reason: unknown): void {
    this.aborts.push(reason);
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(reason);
  }
}

/**
 * `echo` (returns its text and the caller's tenant), `slow` (reports `steps` progress messages
 * `delayMs` apart, stops when aborted), `fail` (throws a ClientError), `lookup` (a contract-style
 * id argument, for validation messages), `flood` (progress as fast as the response takes it).
 */
export function fakeToolset(probe = new FakeToolProbe()): {
  tools: ToolDefinition[];
  probe: FakeToolProbe;
} {
  const echo = defineTool({
    name: 'echo',
    description: 'Returns its text and the tenant that called it.',
    input: z.object({ text: z.string().min(1, 'text must not be empty') }).strict(),
    handler: async ({ text }, ctx) => ({ text, tenant: ctx.tenant }),
  });
  const slow = defineTool({
    name: 'slow',
    description: 'Reports progress `steps` times, `delayMs` apart; honours cancellation.',
    input: z
      .object({
        steps: z.number().int().min(1).max(100),
        delayMs: z.number().int().min(0).max(10_000),
      })
      .strict(),
    handler: async ({ steps, delayMs }, ctx) => {
      for (let step = 1; step <= steps; step++) {
        await sleep(delayMs, ctx.signal).catch((reason: unknown) => {
          probe.recordAbort(reason);
          throw new InvalidRequest('slow was cancelled');
        });
        await ctx.progress?.(`step ${step} of ${steps}`);
      }
      return { steps };
    },
  });
  const fail = defineTool({
    name: 'fail',
    description: 'Always fails with a ClientError (the caller’s mistake).',
    input: z.object({}).strict(),
    handler: async () => {
      throw new InvalidRequest('session 00000000-0000-4000-8000-000000000000 not found');
    },
  });
  const lookup = defineTool({
    name: 'lookup',
    description: 'Takes a session id, like the real session tools.',
    input: z
      .object({
        sessionId: z
          .string()
          .uuid('sessionId must be a session id (a UUID) returned by session_start'),
      })
      .strict(),
    handler: async ({ sessionId }) => ({ sessionId }),
  });
  const flood = defineTool({
    name: 'flood',
    description: 'Reports `count` progress messages of `bytes` each, as fast as they are taken.',
    input: z
      .object({
        count: z.number().int().min(1).max(100_000),
        bytes: z.number().int().min(1).max(1_000_000),
      })
      .strict(),
    handler: async ({ count, bytes }, ctx) => {
      const text = 'x'.repeat(bytes);
      probe.flooded = 0;
      for (let i = 0; i < count; i++) {
        probe.floodWaiting = true;
        await ctx.progress?.(text);
        probe.floodWaiting = false;
        probe.flooded++;
      }
      return { count };
    },
  });
  return { tools: [echo, slow, fail, lookup, flood], probe };
}

/** `whoami`: the caller's tenant and the protocol revision the gateway served the call under. */
export const whoami = defineTool({
  name: 'whoami',
  description: 'Returns the tenant and the protocol revision of this call.',
  input: z.object({}).strict(),
  handler: async (_args, ctx) => ({ tenant: ctx.tenant, protocolVersion: ctx.protocolVersion }),
});

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
