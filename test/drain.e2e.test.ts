/**
 * SIGTERM: a worker reads not-ready, lets its turns finish within WORKER_DRAIN_MS or hands them
 * back to the queue (another worker runs them again at once), and exits 0; a gateway ends its
 * waited calls with "still running" and a cursor that any replica continues from.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import Redis from 'ioredis';
import { keys, type SessionEvent } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import { startFleet, workerOf, type Fleet, type FleetProcess } from './support/fleet';
import { callTool, connectClient } from './support/system';

const DRAIN_MS = 1_000;
let fleet: Fleet;
let redis: Redis;
const clients: Client[] = [];

beforeAll(async () => {
  fleet = await startFleet({
    label: 'drain',
    workers: 2,
    gateways: 2,
    env: { WORKER_DRAIN_MS: String(DRAIN_MS), GATEWAY_DRAIN_MS: String(DRAIN_MS) },
  });
  redis = new Redis(fleet.redis.url, { keyPrefix: fleet.redis.keyPrefix });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  redis?.disconnect();
  await fleet?.close();
});

async function client(gateway = fleet.gateways.find((g) => g.alive())!): Promise<Client> {
  const c = await connectClient(gateway.url, 'acme');
  clients.push(c);
  return c;
}

async function events(c: Client, sessionId: string, after?: string): Promise<SessionEvent[]> {
  const page = await callTool<{ events: SessionEvent[] }>(c, 'session_events', {
    sessionId,
    limit: 1000,
    ...(after ? { after } : {}),
  });
  return page.events;
}

const statusOf = (e: SessionEvent) => (e.data as { status?: string }).status;

async function readyStatus(worker: FleetProcess): Promise<number> {
  return fetch(new URL('/readyz', worker.url)).then(
    (r) => r.status,
    () => 0,
  );
}

/** Starts a turn and returns the worker running it, once it streams. */
async function turnRunning(c: Client, message: string) {
  const { sessionId } = await callTool<{ sessionId: string }>(c, 'session_start', {
    prompt: message,
  });
  await eventually('the turn to stream', async () =>
    (await events(c, sessionId)).some((e) => e.kind === 'claude'),
  );
  const worker = workerOf(fleet, (await redis.get(keys.lease(sessionId))) ?? '');
  if (!worker) throw new Error('no worker of the fleet runs the turn');
  return { sessionId, worker };
}

it('a stopping worker finishes a short turn itself, then exits 0', async () => {
  const c = await client();
  const { sessionId, worker } = await turnRunning(
    c,
    '[[standin recording=long_text pace_ms=3]] a short turn',
  );
  expect(await readyStatus(worker)).toBe(200);
  const stopped = worker.stop();
  expect(await stopped).toEqual({ code: 0, signal: null });
  void fleet.addWorker();
  const all = await events(c, sessionId);
  expect(all.filter((e) => statusOf(e) === 'handed_back')).toEqual([]);
  expect(all.some((e) => statusOf(e) === 'idle')).toBe(true);
});

it('a stopping worker reads not-ready, hands a long turn back, and another finishes it', async () => {
  const c = await client();
  const { sessionId, worker } = await turnRunning(
    c,
    '[[standin recording=long_text pace_ms=60]] a long turn',
  );
  const stopping = worker.stop();
  await eventually('/readyz to answer 503', async () => (await readyStatus(worker)) === 503);
  const stoppedAt = Date.now();
  expect(await stopping).toEqual({ code: 0, signal: null });
  expect(Date.now() - stoppedAt).toBeLessThan(DRAIN_MS + 5_000);
  void fleet.addWorker();
  await eventually(
    'the turn to end elsewhere',
    async () => (await events(c, sessionId)).some((e) => statusOf(e) === 'idle'),
    30_000,
  ).catch(async (e) => {
    console.log(
      JSON.stringify(
        (await events(c, sessionId)).filter((x) => x.kind !== 'claude').map((x) => x.data),
      ),
    );
    throw e;
  });
  const all = await events(c, sessionId);
  const kinds = all.map((e) => statusOf(e) ?? e.kind);
  expect(kinds.indexOf('handed_back')).toBeGreaterThan(0);
  expect(kinds.indexOf('recovered')).toBeGreaterThan(kinds.indexOf('handed_back'));
  expect(kinds.indexOf('turn_restarted')).toBeGreaterThan(kinds.indexOf('recovered'));
  const handedBack = all.find((e) => statusOf(e) === 'handed_back')!;
  const recovered = all.find((e) => statusOf(e) === 'recovered')!;
  console.log(
    `worker SIGTERM mid-turn: handed back, running again after ${recovered.ts - handedBack.ts} ms`,
  );
  expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
});

it('a stopping gateway answers a waited call with "running" and a cursor another continues', async () => {
  const [first, second] = fleet.gateways;
  const onFirst = await client(first);
  const { sessionId } = await callTool<{ sessionId: string }>(onFirst, 'session_start', {
    prompt: '[[standin recording=text]] hi',
    wait: true,
  });
  const progress: SessionEvent[] = [];
  const waited = callTool<{ status: string; events: string }>(
    onFirst,
    'session_send',
    { sessionId, message: '[[standin recording=long_text pace_ms=60]] count', wait: true },
    { onprogress: (p) => progress.push(JSON.parse(p.message ?? '{}') as SessionEvent) },
  );
  await eventually('progress to flow', () => progress.length > 5);
  const stopped = first.stop();
  const answer = await waited;
  expect(answer.status).toBe('running');
  expect(answer.events).toBe(progress.at(-1)?.id);
  expect(await stopped).toEqual({ code: 0, signal: null });

  const onSecond = await client(second);
  const rest: SessionEvent[] = [];
  let after = answer.events;
  await eventually(
    'the turn to end',
    async () => {
      const page = await events(onSecond, sessionId, after);
      rest.push(...page);
      after = page.at(-1)?.id ?? after;
      return rest.some((e) => statusOf(e) === 'idle');
    },
    30_000,
  );
  // Exactly the events after the cursor: none lost, none repeated.
  const seen = [...progress, ...rest].filter((e) => e.turn === 2).map((e) => e.seq);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.at(-1)! - seen[0] + 1).toBe(seen.length);
});
