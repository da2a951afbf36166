/**
 * A waited call's progress over real HTTP, two gateway replicas, the SDK's own Client: the
 * notifications relaying a turn's events are derived from the session's stream rather than
 * stored, and a client whose stream drops mid-call resumes it on the other replica
 * (Last-Event-ID) with every event it had not seen, in order, none twice. The tool is the
 * waiter of the session tools (TurnWaiter) over a session stream this test writes.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { keys, type NewSessionEvent, type SessionEvent } from '@app/contracts';
import { EventRelay, SessionEventLog } from '@app/stream';
import { eventually } from '@app/testing/eventually';
import { useTestRedis } from '@app/testing/services';
import { defineTool } from '../apps/gateway/src/mcp';
import { TurnWaiter } from '../apps/gateway/src/sessions/turn-waiter';
import { startTestGateway, type TestGateway } from './support/mcp-test-gateway';
import { connectClient, cutAfterProgress, withTimeout } from './support/mcp-test-client';

const redis = useTestRedis({ label: 'relayed-progress' });
const SESSION = '44444444-4444-4444-8444-444444444444';

describe('relayed progress across replicas', () => {
  let a: TestGateway;
  let b: TestGateway;
  let connection: Redis;
  let relay: EventRelay;
  let log: SessionEventLog;

  beforeAll(async () => {
    connection = new Redis(redis().url, { keyPrefix: redis().keyPrefix });
    relay = new EventRelay(connection, { followRecheckMs: 200 });
    log = new SessionEventLog(connection);
    const waiter = new TurnWaiter(relay, { send: async () => undefined }, 60_000);
    // session_send's wait, over a stream this test writes: turn 2 from the cursor it is given.
    const turn = defineTool({
      name: 'turn',
      description: 'Waits for turn 2 of the test session, relaying its events.',
      input: z.object({ after: z.string() }),
      handler: async (args, ctx) => {
        const end = await waiter.wait(SESSION, 2, args.after, ctx);
        return { status: end.status, events: end.events };
      },
    });
    const options = { redisUrl: redis().url, keyPrefix: redis().keyPrefix, tools: [turn] };
    [a, b] = await Promise.all([startTestGateway(options), startTestGateway(options)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await relay?.close();
    await connection?.quit();
  });

  const claude = (n: number): NewSessionEvent => ({
    turn: 2,
    kind: 'claude',
    data: { type: 'stream_event', event: { delta: { text: `word ${n} "q" é` } } },
  });
  const status = (turn: number, value: string): NewSessionEvent => ({
    turn,
    kind: 'status',
    data: { status: value },
  });

  it('resumes a cut call on the other replica with exactly the events it had not seen', async () => {
    await log.append(SESSION, [status(1, 'running'), status(1, 'idle')]);
    const after = (await log.lastId(SESSION)) ?? '0-0';
    const resumedWith: string[] = [];
    // Cuts the tools/call stream from A after its first progress event; the resume (GET) goes to B.
    const cutAndMove: FetchLike = async (url, init) => {
      const resume = (init?.method ?? 'GET') === 'GET';
      const lastEventId = new Headers(init?.headers).get('last-event-id');
      if (resume && lastEventId) resumedWith.push(lastEventId);
      const res = await fetch(resume ? b.url : url, init);
      const isCall = init?.method === 'POST' && String(init.body).includes('"tools/call"');
      return isCall && res.body
        ? new Response(cutAfterProgress(res.body), { status: res.status, headers: res.headers })
        : res;
    };
    const { client } = await connectClient(a.url, { fetch: cutAndMove });
    try {
      const progress: Array<{ progress: number; message?: string }> = [];
      const call = client.callTool({ name: 'turn', arguments: { after } }, undefined, {
        onprogress: (p) => progress.push(p),
      });
      await log.append(SESSION, [status(2, 'running'), claude(1), claude(2)]);
      await eventually('the client to resume on B', () => resumedWith.length > 0);
      await log.append(SESSION, [claude(3), claude(4), status(2, 'idle'), status(3, 'running')]);
      const result = (await withTimeout(call, 15_000, 'the resumed call')) as CallToolResult;

      const stream = await log.read(SESSION, { after, limit: 100 });
      const turnTwo = stream.events.filter((e) => e.turn === 2);
      expect(result.structuredContent).toEqual({ status: 'idle', events: turnTwo.at(-1)?.id });
      expect(progress.map((p) => p.progress)).toEqual(turnTwo.map((_, i) => i + 1));
      expect(progress.map((p) => JSON.parse(p.message ?? '') as SessionEvent)).toEqual(turnTwo);
      // The client resumed mid-turn, after the kth relayed event: its id names that event.
      expect(resumedWith).toHaveLength(1);
      const [, count, eventId] = /\/(\d+)\.(\d+-\d+)$/.exec(resumedWith[0]) ?? [];
      expect(eventId).toBe(turnTwo[Number(count) - 1]?.id);
      expect(Number(count)).toBeLessThan(turnTwo.length);
    } finally {
      await client.close();
    }
    // SSE histories: initialize's (priming event, response) and the call's (priming event, the
    // relay's start, response): no copy of any notification.
    const histories = await connection.keys(`${redis().keyPrefix}${keys.mcpStream('*', '*')}`);
    const sizes = await Promise.all(
      histories.map((key) => connection.xlen(key.slice(redis().keyPrefix.length))),
    );
    expect(sizes.sort()).toEqual([2, 3]);
  });
});
