/**
 * A worker SIGKILLed mid-turn: another worker notices within WORKER_LIVENESS_MS or so, runs the
 * turn again from the last checkpoint (or fails it when it had run a command), the client sees
 * what happened in the events, and the session takes the next message. Real processes, real
 * Redis, the CLI stand-in replaying the real CLI's recordings.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import Redis from 'ioredis';
import { keys, type SessionEvent } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import { startFleet, workerOf, type Fleet } from './support/fleet';
import { callTool, connectClient } from './support/system';

const LIVENESS_MS = 2_000;
let fleet: Fleet;
let client: Client;
let redis: Redis;

beforeAll(async () => {
  fleet = await startFleet({
    label: 'crash',
    workers: 2,
    env: { WORKER_LIVENESS_MS: String(LIVENESS_MS) },
  });
  client = await connectClient(fleet.gateways[0].url, 'acme');
  redis = new Redis(fleet.redis.url, { keyPrefix: fleet.redis.keyPrefix });
}, 120_000);

afterAll(async () => {
  await client?.close();
  redis?.disconnect();
  await fleet?.close();
});

async function events(sessionId: string): Promise<SessionEvent[]> {
  const page = await callTool<{ events: SessionEvent[] }>(client, 'session_events', {
    sessionId,
    limit: 1000,
  });
  return page.events;
}

const statusOf = (e: SessionEvent) => (e.data as { status?: string }).status;
const lineType = (e: SessionEvent) => (e.data as { type?: string }).type;

/** A session with one finished turn, then a long second turn; kills the worker running it. */
async function killMidTurn(message: string, linesBeforeKill: number) {
  const { sessionId } = await callTool<{ sessionId: string }>(client, 'session_start', {
    prompt: '[[standin recording=text]] hello',
    wait: true,
  });
  await callTool(client, 'session_send', { sessionId, message });
  await eventually(`turn 2 to print ${linesBeforeKill} lines`, async () => {
    const lines = (await events(sessionId)).filter((e) => e.turn === 2 && e.kind === 'claude');
    return lines.length >= linesBeforeKill;
  });
  const holder = await redis.get(keys.lease(sessionId));
  const victim = holder ? workerOf(fleet, holder) : undefined;
  if (!victim) throw new Error(`no worker of this fleet holds ${sessionId} (lease: ${holder})`);
  const killedAt = Date.now();
  victim.kill();
  await victim.exited;
  // Another worker takes its place, so the fleet keeps two.
  void fleet.addWorker();
  return { sessionId, holder, killedAt };
}

it('runs the turn again on another worker, after a marker, and goes on', async () => {
  const { sessionId, holder, killedAt } = await killMidTurn(
    '[[standin recording=long_text pace_ms=40]] count to a hundred',
    10,
  );
  await eventually(
    'turn 2 to end',
    async () => (await events(sessionId)).some((e) => e.turn === 2 && statusOf(e) === 'idle'),
    30_000,
  );
  const all = await events(sessionId);
  const turn2 = all.filter((e) => e.turn === 2);
  const recovered = turn2.find((e) => statusOf(e) === 'recovered');
  const restarted = turn2.findIndex((e) => e.kind === 'turn_restarted');
  expect(recovered?.data).toMatchObject({ worker: expect.any(String) });
  expect((recovered?.data as { worker: string }).worker).not.toBe(holder);
  expect(restarted).toBeGreaterThan(turn2.indexOf(recovered!));
  // After the marker: the whole turn once, ending with its result, its checkpoint, idle.
  const rerun = turn2.slice(restarted + 1);
  expect(rerun.filter((e) => lineType(e) === 'result')).toHaveLength(1);
  expect(rerun.filter((e) => e.kind === 'checkpoint')).toHaveLength(1);
  expect(statusOf(rerun.at(-1)!)).toBe('idle');
  // Nothing delivered twice, nothing reordered: ids and seqs strictly increase.
  const seqs = all.map((e) => e.seq);
  expect(seqs).toEqual([...Array(seqs.length).keys()].map((i) => i + 1));
  const recoveryMs = recovered!.ts - killedAt;
  console.log(`worker SIGKILL mid-turn: first event from the new worker after ${recoveryMs} ms`);
  expect(recoveryMs).toBeLessThan(4 * LIVENESS_MS);

  const next = await callTool<{ status: string; result: { result: string } }>(
    client,
    'session_send',
    { sessionId, message: '[[standin recording=text]] and now?', wait: true },
  );
  expect(next.status).toBe('idle');
  expect(next.result.result).toBe('Hello from the stub model.');
});

it('fails the turn instead when it had run a command, saying so, and takes the next message', async () => {
  const { sessionId } = await killMidTurn('[[standin recording=tool_use pace_ms=400]] run it', 3);
  await eventually(
    'turn 2 to fail',
    async () => (await events(sessionId)).some((e) => e.turn === 2 && statusOf(e) === 'failed'),
    30_000,
  );
  const turn2 = (await events(sessionId)).filter((e) => e.turn === 2);
  const lost = turn2.find((e) => e.kind === 'error');
  expect(lost?.data).toMatchObject({ code: 'turn_lost', message: expect.stringMatching(/Bash/) });
  expect(turn2.some((e) => e.kind === 'turn_restarted')).toBe(false);
  const status = await callTool<{ status: string; lastError: string }>(client, 'session_status', {
    sessionId,
  });
  expect(status).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/Bash/) });

  const next = await callTool<{ status: string }>(client, 'session_send', {
    sessionId,
    message: '[[standin recording=text]] again',
    wait: true,
  });
  expect(next.status).toBe('idle');
});
