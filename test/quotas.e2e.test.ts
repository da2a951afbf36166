/**
 * Quotas per tenant end to end: the SDK's MCP client over real HTTP → gateways → Redis, BullMQ →
 * worker → the real claude CLI against the Messages API stub. Each quota is refused with its
 * own error and nothing of the refused call exists afterwards (no session, no queued job).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { keys, queuePrefix, TURN_QUEUE } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import {
  callTool,
  callToolAnswer,
  connectClient,
  startRealCliSystem,
  TENANT_KEYS,
  type RealCliSystem,
} from './support/system';

interface Started {
  sessionId: string;
  status: string;
}

/** Every turn job the queue holds, whatever its state. */
async function turnJobs(world: RealCliSystem): Promise<number> {
  const queue = new Queue(TURN_QUEUE, {
    connection: { url: world.redis.url },
    prefix: queuePrefix(world.redis.keyPrefix),
  });
  try {
    const counts = await queue.getJobCounts();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
  }
}

/** The tenant's turns the quota ledger counts as queued and not started. */
async function queuedTurns(world: RealCliSystem, tenant: string): Promise<number> {
  const redis = new Redis(world.redis.url, { keyPrefix: world.redis.keyPrefix });
  try {
    return await redis.zcard(keys.tenantQueuedTurns(tenant));
  } finally {
    redis.disconnect();
  }
}

async function sessionCount(client: Client): Promise<number> {
  return (await callTool<{ sessions: unknown[] }>(client, 'session_list', { limit: 100 })).sessions
    .length;
}

const status = async (client: Client, sessionId: string) =>
  (await callTool<{ status: string }>(client, 'session_status', { sessionId })).status;

describe('maxSessions and workspaceBytes', () => {
  let world: RealCliSystem;
  let acme: Client;
  let globex: Client;
  beforeAll(async () => {
    world = await startRealCliSystem('quotas', {
      SESSION_IDLE_MS: '60000',
      TENANT_LIMITS: JSON.stringify({ acme: { maxSessions: 2, workspaceBytes: 1024 } }),
    });
    acme = await connectClient(world.system.urls[0], 'acme');
    globex = await connectClient(world.system.urls[0], 'globex');
  });
  afterAll(async () => {
    await Promise.allSettled([acme?.close(), globex?.close()]);
    await world?.close();
  });

  it('refuses a seed over workspaceBytes for acme only, creating nothing', async () => {
    const workspace = { files: [{ path: 'big.txt', content: 'x'.repeat(2_000) }] };
    const before = await sessionCount(acme);
    const refused = await callToolAnswer(acme, 'session_start', { prompt: 'read it', workspace });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(
      /^workspace: acme's workspaceBytes quota is 1 KiB and this seed is larger \(.*big\.txt.*\): send a smaller workspace/,
    );
    expect(await sessionCount(acme)).toBe(before);
    const accepted = await callTool<Started>(globex, 'session_start', {
      prompt: 'read it',
      workspace,
      wait: true,
    });
    expect(accepted.status).toBe('idle');
    const listed = await callTool<{ entries: Array<{ path: string; size: number }> }>(
      globex,
      'workspace_list',
      { sessionId: accepted.sessionId },
    );
    expect(listed.entries).toContainEqual(
      expect.objectContaining({ path: 'big.txt', size: 2_000 }),
    );
  });

  it('refuses a third live session with the quota named; terminating one frees its slot', async () => {
    const a = await callTool<Started>(acme, 'session_start', { prompt: 'a', wait: true });
    await callTool<Started>(acme, 'session_start', { prompt: 'b', wait: true });
    // Each turn left the queued count when the worker took it.
    expect(await queuedTurns(world, 'acme')).toBe(0);
    const jobs = await turnJobs(world);
    const refused = await callToolAnswer(acme, 'session_start', { prompt: 'c', wait: true });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(
      /^acme has 2 live sessions \(queued, running, waiting or idle\), the most maxSessions allows \(2\): terminate one \(session_terminate\) or wait for idle ones to hibernate/,
    );
    expect(await sessionCount(acme)).toBe(2);
    expect(await turnJobs(world)).toBe(jobs);
    // Another tenant's sessions are its own business.
    expect(
      (await callTool<Started>(globex, 'session_start', { prompt: 'g', wait: true })).status,
    ).toBe('idle');
    await callTool(acme, 'session_terminate', { sessionId: a.sessionId });
    expect(
      (await callTool<Started>(acme, 'session_start', { prompt: 'c', wait: true })).status,
    ).toBe('idle');
  });
});

describe('maxSessions when a hibernated session wakes', () => {
  let world: RealCliSystem;
  let acme: Client;
  beforeAll(async () => {
    world = await startRealCliSystem('quotas-wake', {
      SESSION_IDLE_MS: '1000',
      TENANT_LIMITS: JSON.stringify({ acme: { maxSessions: 1 } }),
    });
    acme = await connectClient(world.system.urls[0], 'acme');
  });
  afterAll(async () => {
    await acme?.close();
    await world?.close();
  });

  it('a hibernated session frees its slot, and waking it waits for one', async () => {
    const a = await callTool<Started>(acme, 'session_start', { prompt: 'a', wait: true });
    await eventually(
      'a to hibernate',
      async () => (await status(acme, a.sessionId)) === 'hibernated',
    );
    const b = await callTool<Started>(acme, 'session_start', { prompt: 'b' });
    const refused = await callToolAnswer(acme, 'session_send', {
      sessionId: a.sessionId,
      message: 'again',
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain(
      `acme has 1 live sessions (queued, running, waiting or idle), the most maxSessions allows (1): session ${a.sessionId} is hibernated and waking it takes a slot`,
    );
    expect(await callTool(acme, 'session_status', { sessionId: a.sessionId })).toMatchObject({
      status: 'hibernated',
      turns: 1,
    });
    await eventually(
      'b to hibernate',
      async () => (await status(acme, b.sessionId)) === 'hibernated',
      30_000,
    );
    const woken = await callTool<{ status: string; turn: number }>(acme, 'session_send', {
      sessionId: a.sessionId,
      message: 'again',
      wait: true,
    });
    expect(woken).toMatchObject({ status: 'idle', turn: 2 });
  });
});

describe('maxQueuedTurns while no worker takes turns', () => {
  let world: RealCliSystem;
  let acme: Client;
  beforeAll(async () => {
    world = await startRealCliSystem('quotas-queued', {
      TENANT_LIMITS: JSON.stringify({ acme: { maxQueuedTurns: 2 } }),
    });
    await world.system.worker.close();
    acme = await connectClient(world.system.urls[0], 'acme');
  });
  afterAll(async () => {
    await acme?.close();
    await world?.close();
  });

  it('refuses a third queued turn with the quota named; one dropped frees its place', async () => {
    const a = await callTool<Started>(acme, 'session_start', { prompt: 'a' });
    const b = await callTool<Started>(acme, 'session_start', { prompt: 'b' });
    for (const [tool, args] of [
      ['session_start', { prompt: 'c' }],
      ['session_send', { sessionId: a.sessionId, message: 'a2' }],
    ] as const) {
      const refused = await callToolAnswer(acme, tool, args);
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(
        /^acme has 2 turns queued and not started, the most maxQueuedTurns allows \(2\): retry once some have started/,
      );
    }
    expect(await sessionCount(acme)).toBe(2);
    expect(await turnJobs(world)).toBe(2);
    expect(await queuedTurns(world, 'acme')).toBe(2);
    expect(await callTool(acme, 'session_status', { sessionId: a.sessionId })).toMatchObject({
      turns: 1,
    });
    expect(await callTool(acme, 'session_interrupt', { sessionId: b.sessionId })).toMatchObject({
      outcome: 'dropped',
    });
    await callTool(acme, 'session_send', { sessionId: a.sessionId, message: 'a2' });
    expect(await turnJobs(world)).toBe(2);
  });
});

describe('requestsPerMinute across two gateways', () => {
  let world: RealCliSystem;
  beforeAll(async () => {
    world = await startRealCliSystem('quotas-rate', {
      TENANT_LIMITS: JSON.stringify({ acme: { requestsPerMinute: 6 } }),
    });
    await world.system.addGateway();
  });
  afterAll(() => world?.close());

  const ping = async (url: URL, tenant: keyof typeof TENANT_KEYS) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TENANT_KEYS[tenant]}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: await res.text(),
    };
  };

  it('answers 429 with Retry-After on both gateways once the tenant is over, not another tenant', async () => {
    const [one, two] = world.system.urls;
    for (let i = 0; i < 6; i++)
      expect((await ping(i % 2 ? two : one, 'acme')).status).not.toBe(429);
    for (const url of [one, two]) {
      const over = await ping(url, 'acme');
      expect(over.status).toBe(429);
      expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(over.retryAfter)).toBeLessThanOrEqual(60);
      const { error } = JSON.parse(over.body) as {
        error: { message: string; data: Record<string, unknown> };
      };
      expect(error.message).toMatch(
        new RegExp(
          `^Too Many Requests: acme has made .* requests this minute, over what requestsPerMinute allows \\(6\\): retry after ${over.retryAfter} s$`,
        ),
      );
      expect(error.data).toMatchObject({ quota: 'requestsPerMinute', tenant: 'acme', limit: 6 });
    }
    for (const url of [one, two]) expect((await ping(url, 'globex')).status).not.toBe(429);
  });
});
