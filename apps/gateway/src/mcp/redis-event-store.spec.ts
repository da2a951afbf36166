import { Redis } from 'ioredis';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { keys } from '@app/contracts';
import { useTestRedis } from '@app/testing/services';
import { MCP_STREAM_FOLLOW_POLL_MS, MCP_STREAM_TTL_SECONDS } from './limits';
import { parseEventId, RedisEventStore, type EventStoreScope } from './redis-event-store';

const SESSION_A = '11111111-1111-4111-8111-111111111111';
const SESSION_B = '22222222-2222-4222-8222-222222222222';
const STREAM = '4e6c3a5b-7f55-4a36-9d1c-0a3c2b1d9e8f';

const progress = (n: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 1, progress: n },
});
const response: JSONRPCMessage = { jsonrpc: '2.0', id: 1, result: { content: [] } };

// File level, so it is torn down after the describe's own afterAll has closed its clients.
const service = useTestRedis({ label: 'mcp-event-store' });

describe('RedisEventStore', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(service().url, { keyPrefix: service().keyPrefix });
  });
  afterAll(async () => {
    await redis.quit();
  });

  const store = (scope: Partial<EventStoreScope> = {}): RedisEventStore =>
    new RedisEventStore(redis, { mcpSessionId: SESSION_A, tenant: 'acme', ...scope });

  async function replay(
    from: RedisEventStore,
    lastEventId: string,
  ): Promise<Array<[string, JSONRPCMessage]>> {
    const sent: Array<[string, JSONRPCMessage]> = [];
    await from.replayEventsAfter(lastEventId, {
      send: async (id, message) => void sent.push([id, message]),
    });
    return sent;
  }

  it('replays, in order, what was stored after an event id, skipping the empty priming event', async () => {
    const events = store();
    const stream = `${STREAM}-order`;
    const priming = await events.storeEvent(stream, {} as JSONRPCMessage);
    const first = await events.storeEvent(stream, progress(1));
    await events.storeEvent(stream, progress(2));
    await events.storeEvent(stream, response);

    expect(parseEventId(first)?.streamId).toBe(stream);
    expect(await events.getStreamIdForEventId(first)).toBe(stream);
    expect((await replay(events, priming)).map(([, m]) => m)).toEqual([
      progress(1),
      progress(2),
      response,
    ]);
    const afterFirst = await replay(events, first);
    expect(afterFirst.map(([, m]) => m)).toEqual([progress(2), response]);
    expect(afterFirst[0][0]).toMatch(new RegExp(`^${stream}/\\d+-\\d+$`));
  });

  it('stores a progress notification as its parts and replays it byte for byte', async () => {
    const events = store();
    const stream = `${STREAM}-compact`;
    const event = JSON.stringify({ id: '1-1', kind: 'claude', data: { text: 'a "q" é \n' } });
    const plain: JSONRPCMessage = {
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 'tok', progress: 3, message: event },
    };
    const withTotal: JSONRPCMessage = {
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 7, progress: 1, total: 2, message: 'x' },
    };
    const priming = await events.storeEvent(stream, {} as JSONRPCMessage);
    await events.storeEvent(stream, plain);
    await events.storeEvent(stream, withTotal);

    const replayed = (await replay(events, priming)).map(([, m]) => JSON.stringify(m));
    expect(replayed).toEqual([JSON.stringify(plain), JSON.stringify(withTotal)]);
    const stored = await redis.xrange(keys.mcpStream(SESSION_A, stream), '-', '+');
    expect(stored[1][1]).toEqual(['t', 'acme', 'k', '"tok"', 'n', '3', 'e', event]);
    expect(stored[2][1]).toEqual(['t', 'acme', 'm', JSON.stringify(withTotal)]);
  });

  it('keeps each stream under its MCP session key, with a TTL', async () => {
    const stream = `${STREAM}-ttl`;
    await store().storeEvent(stream, progress(1));
    const key = keys.mcpStream(SESSION_A, stream);
    expect(await redis.xlen(key)).toBe(1);
    expect(await redis.ttl(key)).toBeGreaterThan(MCP_STREAM_TTL_SECONDS - 10);
  });

  it("replays nothing for an event id of another MCP session's stream", async () => {
    const stream = `${STREAM}-other-session`;
    const theirs = await store({ mcpSessionId: SESSION_B }).storeEvent(stream, progress(1));
    await store({ mcpSessionId: SESSION_B }).storeEvent(stream, response);

    const mine = store();
    expect(await mine.getStreamIdForEventId(theirs)).toBeUndefined();
    expect(await replay(mine, theirs)).toEqual([]);
  });

  it("replays nothing of another tenant's events, even under the same MCP session id", async () => {
    const stream = `${STREAM}-other-tenant`;
    const acme = store();
    const first = await acme.storeEvent(stream, progress(1));
    await acme.storeEvent(stream, progress(2));
    await acme.storeEvent(stream, response);

    expect(await replay(store({ tenant: 'globex' }), first)).toEqual([]);
    expect(await replay(acme, first)).toHaveLength(2);
  });

  it('refuses event ids it did not issue', async () => {
    const events = store();
    for (const bad of ['', 'no-slash', `${STREAM}/not-an-entry`, '../x/1-0', `a:b/1-0`]) {
      expect(await events.getStreamIdForEventId(bad)).toBeUndefined();
      await expect(replay(events, bad)).rejects.toThrow(/not an event id this server issued/);
    }
  });

  it('keeps following a stream another replica writes, until its response arrives', async () => {
    const stream = `${STREAM}-follow`;
    const writer = store();
    const first = await writer.storeEvent(stream, progress(1));
    const closed = new AbortController();
    let complete!: () => void;
    const completed = new Promise<void>((resolve) => (complete = resolve));
    const sent: JSONRPCMessage[] = [];
    const reader = store({
      closed: closed.signal,
      onStreamComplete: () => complete(),
      followIdleMs: 5_000,
    });

    const returned = await reader.replayEventsAfter(first, {
      send: async (_, m) => void sent.push(m),
    });
    expect(returned).toBe(stream);
    expect(sent).toEqual([]);
    await writer.storeEvent(stream, progress(2));
    await store({ tenant: 'globex' }).storeEvent(stream, progress(99));
    await writer.storeEvent(stream, response);
    await completed;
    expect(sent).toEqual([progress(2), response]);
    closed.abort();
  });

  it('ends a resumed stream whose response is already stored, once the replay is handed out', async () => {
    const stream = `${STREAM}-done`;
    const writer = store();
    const first = await writer.storeEvent(stream, progress(1));
    await writer.storeEvent(stream, response);
    const closed = new AbortController();
    const onStreamComplete = jest.fn();
    const reader = store({ closed: closed.signal, onStreamComplete });
    const sent = await replay(reader, first);
    expect(sent.map(([, m]) => m)).toEqual([response]);
    expect(onStreamComplete).not.toHaveBeenCalled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(onStreamComplete).toHaveBeenCalledTimes(1);
    closed.abort();
  });

  it('stops following when the client goes away, without calling onStreamComplete', async () => {
    const stream = `${STREAM}-gone`;
    const writer = store();
    const first = await writer.storeEvent(stream, progress(1));
    const closed = new AbortController();
    const onStreamComplete = jest.fn();
    const sent: JSONRPCMessage[] = [];
    await store({ closed: closed.signal, onStreamComplete }).replayEventsAfter(first, {
      send: async (_, m) => void sent.push(m),
    });
    closed.abort();
    await writer.storeEvent(stream, progress(2));
    await writer.storeEvent(stream, response);
    await writer.flush();
    // Nothing can be awaited for "no longer polling": a follow still running would have sent
    // both messages within a few poll intervals.
    await new Promise((resolve) => setTimeout(resolve, 8 * MCP_STREAM_FOLLOW_POLL_MS));
    expect(sent).toEqual([]);
    expect(onStreamComplete).not.toHaveBeenCalled();
  });
});
