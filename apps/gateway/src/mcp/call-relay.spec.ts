import { Redis } from 'ioredis';
import type { JSONRPCResponse } from '@modelcontextprotocol/server';
import { useTestRedis } from '@app/testing/services';
import { CallCancelled, CallRelay } from './call-relay';

const SESSION = '5a0e8d3c-2b1f-4c6d-9e7a-8b9c0d1e2f3a';
const OTHER_SESSION = '6b1f9e4d-3c2a-4d7e-8f8b-9c0d1e2f3a4b';

// File level, so it is torn down after the describe's own afterAll has closed its clients.
const service = useTestRedis({ label: 'mcp-cancel' });

describe('CallRelay: cancellations', () => {
  let redis: Redis;
  let here: CallRelay;
  let there: CallRelay;

  beforeAll(() => {
    redis = new Redis(service().url, { keyPrefix: service().keyPrefix });
    here = new CallRelay(redis);
    there = new CallRelay(redis);
  });
  afterAll(async () => {
    await Promise.all([here.onApplicationShutdown(), there.onApplicationShutdown()]);
    await redis.quit();
  });

  it('aborts the call on the replica that runs it, with the client reason', async () => {
    const call = await here.track(SESSION, 7);
    const aborted = new Promise((resolve) =>
      call.signal.addEventListener('abort', () => resolve(call.signal.reason)),
    );
    await there.cancel(SESSION, 7, 'user pressed stop');
    const reason = await aborted;
    expect(reason).toBeInstanceOf(CallCancelled);
    expect(String(reason)).toMatch(/the client cancelled the call: user pressed stop/);
    call.release();
  });

  it('leaves other calls alone: another session, or the same id as a string', async () => {
    const call = await here.track(SESSION, 8);
    const marker = await here.track(SESSION, 80);
    const markerAborted = new Promise((resolve) =>
      marker.signal.addEventListener('abort', resolve),
    );
    await there.cancel('6b1f9e4d-3c2a-4d7e-8f8b-9c0d1e2f3a4b', 8);
    await there.cancel(SESSION, '8');
    // One channel, in order: once the cancellation sent after them arrived, so had they.
    await there.cancel(SESSION, 80);
    await markerAborted;
    expect(call.signal.aborted).toBe(false);
    call.release();
    marker.release();
  });

  it('aborts a call whose cancellation arrived before it started', async () => {
    await there.cancel(SESSION, 9, 'too late');
    const call = await here.track(SESSION, 9);
    expect(call.signal.aborted).toBe(true);
    call.release();
  });
});

const answer = (id: string, decision = 'allow'): JSONRPCResponse => ({
  jsonrpc: '2.0',
  id,
  result: { action: 'accept', content: { decision } },
});

/** Waits for request `id` of `session` on `relay`; `received` lists what reached it. */
async function expecting(relay: CallRelay, session: string, id: string) {
  const received: JSONRPCResponse[] = [];
  let arrived!: () => void;
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const stop = await relay.replyRoute(session).expect(id, (reply) => {
    received.push(reply);
    arrived();
  });
  return { received, first, stop };
}

describe('CallRelay: answers to what a call asked', () => {
  let redis: Redis;
  let here: CallRelay;
  let there: CallRelay;

  beforeAll(() => {
    redis = new Redis(service().url, { keyPrefix: service().keyPrefix });
    here = new CallRelay(redis);
    there = new CallRelay(redis);
  });
  afterAll(async () => {
    await Promise.all([here.onApplicationShutdown(), there.onApplicationShutdown()]);
    await redis.quit();
  });

  it('hands an answer reaching the replica that asked to its call, once', async () => {
    const waiting = await expecting(here, SESSION, 'ask-local');
    await here.deliverReplies(SESSION, [answer('ask-local')]);
    await here.deliverReplies(SESSION, [answer('ask-local', 'deny')]);
    // The second one went to the channel and found no waiter on either replica: mark it passed.
    const marker = await expecting(here, SESSION, 'ask-local-marker');
    await there.deliverReplies(SESSION, [answer('ask-local-marker')]);
    await marker.first;
    expect(waiting.received).toEqual([answer('ask-local')]);
  });

  it('hands an answer reaching another replica to the call that asked', async () => {
    const waiting = await expecting(here, SESSION, 'ask-remote');
    await there.deliverReplies(SESSION, [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }, // not an answer: ignored
      answer('ask-remote'),
    ]);
    await waiting.first;
    expect(waiting.received).toEqual([answer('ask-remote')]);
  });

  it('never hands an answer to a call of another MCP session', async () => {
    const waiting = await expecting(here, SESSION, 'ask-isolated');
    await here.deliverReplies(OTHER_SESSION, [answer('ask-isolated', 'deny')]);
    await there.deliverReplies(OTHER_SESSION, [answer('ask-isolated', 'deny')]);
    // One channel, in order: once the answer sent after them arrived, so had they.
    await there.deliverReplies(SESSION, [answer('ask-isolated')]);
    await waiting.first;
    expect(waiting.received).toEqual([answer('ask-isolated')]);
  });

  it('forgets a request its call stopped waiting for', async () => {
    const gone = await expecting(here, SESSION, 'ask-gone');
    gone.stop();
    const marker = await expecting(here, SESSION, 'ask-gone-marker');
    await there.deliverReplies(SESSION, [answer('ask-gone'), answer('ask-gone-marker')]);
    await marker.first;
    expect(gone.received).toEqual([]);
  });
});

describe('CallRelay with Redis gone', () => {
  it('drops an answer it cannot relay, with a warning, and still routes on this replica', async () => {
    // Never connected and queueing nothing: every command is refused at once.
    const down = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    const relay = new CallRelay(down);
    const waiting = await expecting(relay, SESSION, 'ask-offline');
    await expect(relay.deliverReplies(SESSION, [answer('ask-unknown')])).resolves.toBeUndefined();
    await relay.deliverReplies(SESSION, [answer('ask-offline')]);
    expect(waiting.received).toEqual([answer('ask-offline')]);
    await relay.onApplicationShutdown();
    down.disconnect();
  });
});
