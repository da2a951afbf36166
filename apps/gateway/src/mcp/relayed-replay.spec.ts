/**
 * A relayed turn's progress is derived, not stored: a client that resumes its call's stream on
 * another replica (Last-Event-ID) gets exactly what it had not seen, in order, none twice, with
 * the notifications regenerated from the session's stream. Real Redis; replica A is the
 * ResponseStream and event store of the call's POST, replica B a fresh event store.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import {
  keys,
  relaysEvent,
  turnRelayEnd,
  type NewSessionEvent,
  type TurnRelayPlan,
} from '@app/contracts';
import { SessionEventLog } from '@app/stream';
import { useTestRedis } from '@app/testing/services';
import { RedisEventStore, type EventStoreScope } from './redis-event-store';
import { sseFrame } from './relayed-progress';
import { ResponseStream, type RelayedEventSender } from './response-stream';
import { RecordingResponse, type Frame } from './spec/recording-response';

const MCP_SESSION = '33333333-3333-4333-8333-333333333333';
const service = useTestRedis({ label: 'relayed-replay' });

const claude = (turn: number, text: string): NewSessionEvent => ({
  turn,
  kind: 'claude',
  data: { type: 'stream_event', event: { delta: { text } }, note: 'a "quoted" é\n' },
});
const status = (turn: number, value: string): NewSessionEvent => ({
  turn,
  kind: 'status',
  data: { status: value },
});
const elicitation: JSONRPCMessage = {
  jsonrpc: '2.0',
  id: 'ask-1',
  method: 'elicitation/create',
  params: { message: 'Run ls?', requestedSchema: { type: 'object', properties: {} } },
};
const response: JSONRPCMessage = { jsonrpc: '2.0', id: 5, result: { content: [] } };

/** One call's POST on replica A: the SDK's messages and the call's relayed turn, one response. */
class CallOnA {
  readonly client = new RecordingResponse();
  readonly stream = new ResponseStream(this.client.res, true);
  readonly store: RedisEventStore;
  readonly streamId = randomUUID();
  private send?: RelayedEventSender;
  private sent = 0;
  private cursor = '';
  private ended = false;

  constructor(
    redis: Redis,
    private readonly log: SessionEventLog,
    private readonly plan: TurnRelayPlan,
  ) {
    this.store = new RedisEventStore(redis, {
      mcpSessionId: MCP_SESSION,
      tenant: 'acme',
      live: this.stream,
    });
  }

  /** What the SDK's transport does with a message of the stream: store it, queue its chunk. */
  async sdk(message: JSONRPCMessage | Record<string, never>): Promise<void> {
    const id = await this.store.storeEvent(this.streamId, message as JSONRPCMessage);
    const chunk =
      'jsonrpc' in message ? sseFrame(id, JSON.stringify(message)) : `id: ${id}\ndata: \n\n`;
    this.stream.write(new TextEncoder().encode(chunk));
  }

  async start(): Promise<void> {
    await this.sdk({}); // the priming event
    this.send = this.stream.openRelay(this.store, 'tok', 0, this.plan);
    this.cursor = this.plan.after;
  }

  /** Relays what the session's stream holds now, as the waiter does, to the turn's end. */
  async relayAvailable(): Promise<void> {
    const page = await this.log.read(this.plan.sessionId, { after: this.cursor, limit: 1000 });
    for (const event of page.events) {
      if (this.ended) return;
      this.cursor = event.id;
      if (relaysEvent(this.plan, event)) this.send?.(event, ++this.sent);
      if (turnRelayEnd(this.plan, event)) this.ended = true;
    }
  }

  /** The messages the client got after the frame with this id (the priming event has none). */
  after(id: string | undefined): Frame[] {
    const frames = this.client.frames();
    const cut = frames.findIndex((f) => f.id === id);
    return frames.slice(cut + 1).filter((f) => f.data !== '');
  }
}

describe('relayed progress, replayed on another replica', () => {
  let redis: Redis;
  let log: SessionEventLog;

  beforeAll(() => {
    redis = new Redis(service().url, { keyPrefix: service().keyPrefix });
    log = new SessionEventLog(redis);
  });
  afterAll(async () => {
    await redis.quit();
  });

  /** Replica B: a fresh store resuming after `lastEventId`. */
  async function replayOnB(lastEventId: string, scope: Partial<EventStoreScope> = {}) {
    const store = new RedisEventStore(redis, {
      mcpSessionId: MCP_SESSION,
      tenant: 'acme',
      ...scope,
    });
    const got: Frame[] = [];
    await store.replayEventsAfter(lastEventId, {
      send: async (id, message) => void got.push({ id, data: JSON.stringify(message) }),
    });
    return { got, store };
  }

  /** A session whose turn 1 still runs when the call's turn 2 is queued (the cursor predates it). */
  async function sessionAtTurn2(): Promise<TurnRelayPlan> {
    const sessionId = randomUUID();
    await log.append(sessionId, [status(1, 'running'), claude(1, 'one')]);
    const after = (await log.lastId(sessionId)) ?? '0-0';
    await log.append(sessionId, [claude(1, 'one, late'), status(1, 'idle')]);
    return { sessionId, turn: 2, after, endsAtPrompt: false };
  }

  it('stores the relay once, not its notifications, and replays from every point exactly', async () => {
    const plan = await sessionAtTurn2();
    const a = new CallOnA(redis, log, plan);
    await a.start();
    await log.append(plan.sessionId, [status(2, 'running'), claude(2, 'a'), claude(2, 'b')]);
    await a.relayAvailable();
    await a.sdk(elicitation);
    await log.append(plan.sessionId, [
      claude(2, 'c'),
      { turn: 2, kind: 'claude', data: { type: 'result', result: 'done' } },
      status(2, 'idle'),
      status(3, 'running'), // the next turn: not this call's
    ]);
    await a.relayAvailable();
    await a.sdk(response);
    await a.store.flush();

    const frames = a.client.frames();
    const relayed = frames.filter((f) => f.data.includes('notifications/progress'));
    expect(relayed.map((f) => JSON.parse(f.data).params.progress)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(frames.map((f) => f.id?.replace(/^.*\//, ''))).toEqual([
      expect.stringMatching(/^\d+-\d+$/), // priming
      ...[1, 2, 3].map((n) => expect.stringMatching(new RegExp(`^${n}\\.\\d+-\\d+$`))),
      expect.stringMatching(/^\d+-\d+$/), // the elicitation request
      ...[4, 5, 6].map((n) => expect.stringMatching(new RegExp(`^${n}\\.\\d+-\\d+$`))),
      expect.stringMatching(/^\d+-\d+$/), // the response
    ]);
    // History: priming, the relay's start, the request, the response; no notification.
    const stored = await redis.xrange(keys.mcpStream(MCP_SESSION, a.streamId), '-', '+');
    expect(stored.map(([, fields]) => fields[2])).toEqual(['m', 'f', 'm', 'm']);

    for (const { id } of frames) {
      const { got } = await replayOnB(id ?? '');
      expect(got).toEqual(a.after(id));
    }
  });

  it('follows a call still running on the other replica, derived and stored alike, to its response', async () => {
    const plan = await sessionAtTurn2();
    const a = new CallOnA(redis, log, plan);
    await a.start();
    await log.append(plan.sessionId, [status(2, 'running'), claude(2, 'a')]);
    await a.relayAvailable();
    const cut = a.client.frames()[1].id ?? ''; // the client saw the first notification
    const closed = new AbortController();
    let complete!: () => void;
    const completed = new Promise<void>((resolve) => (complete = resolve));
    const { got } = await replayOnB(cut, {
      closed: closed.signal,
      onStreamComplete: () => complete(),
      followIdleMs: 10_000,
    });

    await log.append(plan.sessionId, [claude(2, 'b')]);
    await a.relayAvailable();
    await a.sdk(elicitation);
    await a.store.flush();
    await log.append(plan.sessionId, [claude(2, 'c'), status(2, 'idle'), status(3, 'running')]);
    await a.relayAvailable();
    await a.sdk(response);
    await completed;
    expect(got).toEqual(a.after(cut));
    closed.abort();
  });

  it('derives nothing for another tenant, nor for another MCP session', async () => {
    const plan = await sessionAtTurn2();
    const a = new CallOnA(redis, log, plan);
    await a.start();
    await log.append(plan.sessionId, [status(2, 'running'), claude(2, 'a'), status(2, 'idle')]);
    await a.relayAvailable();
    await a.sdk(response);
    await a.store.flush();
    const first = a.client.frames()[1].id ?? '';
    expect(first).toMatch(/\/1\.\d+-\d+$/);

    expect((await replayOnB(first, { tenant: 'globex' })).got).toEqual([]);
    const other = new RedisEventStore(redis, { mcpSessionId: randomUUID(), tenant: 'acme' });
    expect(await other.getStreamIdForEventId(first)).toBeUndefined();
    expect((await replayOnB(first)).got).toEqual(a.after(first));
  });
});
