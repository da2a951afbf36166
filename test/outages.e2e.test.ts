/**
 * Outages of Redis and of the object store, with real processes: calls fail fast and say to
 * retry, turns go on, a checkpoint missed while S3 was away is taken when it returns, and a
 * session never goes on silently without turns it had.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import Redis from 'ioredis';
import { keys, type SessionEvent } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import { startTestS3, type TestS3 } from '@app/testing/services';
import { startFleet, workerOf, type Fleet } from './support/fleet';
import { callTool, connectClient } from './support/system';

let s3: TestS3;
let fleet: Fleet;
let client: Client;
let redis: Redis;

beforeAll(async () => {
  s3 = await startTestS3({ label: 'outages' });
  fleet = await startFleet({
    label: 'outages',
    workers: 2,
    s3,
    persistent: true,
    env: { WORKER_LIVENESS_MS: '2000', SESSION_IDLE_MS: '600000' },
  });
  client = await connectClient(fleet.gateways[0].url, 'acme');
  redis = new Redis(fleet.redis.url, { keyPrefix: fleet.redis.keyPrefix });
  redis.on('error', () => undefined);
}, 120_000);

afterAll(async () => {
  await client?.close();
  redis?.disconnect();
  await fleet?.close();
  await s3?.close();
});

async function events(sessionId: string): Promise<SessionEvent[]> {
  return (
    await callTool<{ events: SessionEvent[] }>(client, 'session_events', { sessionId, limit: 1000 })
  ).events;
}

const codeOf = (e: SessionEvent) => (e.data as { code?: string }).code;
const initOf = (events: SessionEvent[], turn: number) =>
  events.find((e) => e.turn === turn && (e.data as { subtype?: string }).subtype === 'init')
    ?.data as { session_id: string } | undefined;

async function sessionWithTurns(n: number): Promise<string> {
  const { sessionId } = await callTool<{ sessionId: string }>(client, 'session_start', {
    prompt: '[[standin recording=text]] one',
    wait: true,
  });
  for (let turn = 2; turn <= n; turn++) {
    await callTool(client, 'session_send', {
      sessionId,
      message: `[[standin recording=text]] turn ${turn}`,
      wait: true,
    });
  }
  return sessionId;
}

it('takes a checkpoint missed while S3 was away once it is back', async () => {
  const sessionId = await sessionWithTurns(1);
  await s3.stop();
  const turn2 = await callTool<{ status: string }>(client, 'session_send', {
    sessionId,
    message: '[[standin recording=text]] while S3 is away',
    wait: true,
  });
  expect(turn2.status).toBe('idle'); // the turn ran; only its checkpoint is missing
  expect((await events(sessionId)).some((e) => codeOf(e) === 'checkpoint_failed')).toBe(true);
  await s3.start();
  await eventually(
    'the retried checkpoint',
    async () =>
      (await events(sessionId)).some(
        (e) => e.turn === 2 && e.kind === 'checkpoint' && (e.data as { retried?: boolean }).retried,
      ),
    20_000,
  );
});

it('says so before the next turn when the worker holding an unsaved turn is gone', async () => {
  const sessionId = await sessionWithTurns(1);
  await s3.stop();
  await callTool(client, 'session_send', {
    sessionId,
    message: '[[standin recording=text]] never checkpointed',
    wait: true,
  });
  const holder = workerOf(fleet, (await redis.get(keys.lease(sessionId))) ?? '');
  holder!.kill();
  await holder!.exited;
  void fleet.addWorker();
  await s3.start();
  const turn3 = await callTool<{ status: string }>(client, 'session_send', {
    sessionId,
    message: '[[standin recording=text]] after the loss',
    wait: true,
  });
  expect(turn3.status).toBe('idle');
  const turn3Events = (await events(sessionId)).filter((e) => e.turn === 3);
  expect(codeOf(turn3Events[0])).toBe('turns_lost');
  expect(turn3Events[0].data).toMatchObject({ count: 1 });
});

it('answers calls fast and clearly while Redis restarts, and sessions go on with their history', async () => {
  const sessionId = await sessionWithTurns(1);
  const before = initOf(await events(sessionId), 1)!.session_id;
  await fleet.redisServer!.stop();
  const started = Date.now();
  // Refused by the MCP layer (503, Retry-After) or by the tool: either way it says why and to retry.
  await expect(callTool(client, 'session_status', { sessionId })).rejects.toThrow(
    /Redis, which holds the sessions, is not answering.*retry/,
  );
  expect(Date.now() - started).toBeLessThan(3_000);
  await fleet.redisServer!.start();
  await eventually('the gateway to answer again', async () =>
    callTool(client, 'session_status', { sessionId }).then(
      () => true,
      () => false,
    ),
  );
  await callTool(client, 'session_send', {
    sessionId,
    message: '[[standin recording=text]] after the restart',
    wait: true,
  });
  // The same Claude session: its CLI resumed the earlier transcript.
  expect(initOf(await events(sessionId), 2)?.session_id).toBe(before);
});

it('resumes from the store’s newest checkpoint when Redis lost the session’s pointers to it', async () => {
  const sessionId = await sessionWithTurns(2);
  const before = initOf(await events(sessionId), 2)!.session_id;
  // What an append-only file that missed its last second would leave: the record without them.
  await redis.hdel(keys.session(sessionId), 'lastCheckpointId', 'claudeSessionId');
  // Its worker is gone too, so nothing local can stand in for the store.
  const holder = workerOf(fleet, (await redis.get(keys.lease(sessionId))) ?? '');
  holder!.kill();
  await holder!.exited;
  void fleet.addWorker();
  const turn3 = await callTool<{ status: string }>(client, 'session_send', {
    sessionId,
    message: '[[standin recording=text]] still there?',
    wait: true,
  });
  expect(turn3.status).toBe('idle');
  const all = await events(sessionId);
  expect(all.some((e) => codeOf(e) === 'turns_lost')).toBe(false);
  expect(initOf(all, 3)?.session_id).toBe(before);
});
