import { Redis } from 'ioredis';
import {
  Server,
  type ElicitRequestFormParams,
  type JSONRPCMessage,
  type Transport,
} from '@modelcontextprotocol/server';
import { eventually } from '@app/testing/eventually';
import { useTestRedis } from '@app/testing/services';
import { AnswerableTransport, type ReplyRoute } from './answerable-transport';
import { CallRelay } from './call-relay';

const SESSION = '0f3c2a1b-4d5e-4f60-8a7b-9c8d7e6f5a4b';

const service = useTestRedis({ label: 'mcp-answers' });

/** The SDK transport of a POST, reduced to what the server sends on it. */
function postTransport(): Transport & { sent: JSONRPCMessage[] } {
  const sent: JSONRPCMessage[] = [];
  const transport: Transport & { sent: JSONRPCMessage[] } = {
    sent,
    start: async () => undefined,
    close: async () => transport.onclose?.(),
    send: async (message) => void sent.push(message),
  };
  return transport;
}

const form: ElicitRequestFormParams = {
  mode: 'form',
  message: 'Claude wants to run Bash',
  requestedSchema: { type: 'object', properties: { decision: { type: 'string' } } },
};

describe('AnswerableTransport', () => {
  let redis: Redis;
  let here: CallRelay;
  let there: CallRelay;
  const servers: Server[] = [];

  beforeAll(() => {
    redis = new Redis(service().url, { keyPrefix: service().keyPrefix });
    here = new CallRelay(redis);
    there = new CallRelay(redis);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await Promise.all([here.onApplicationShutdown(), there.onApplicationShutdown()]);
    await redis.quit();
  });

  /** A per-POST SDK server of `SESSION` on this replica, as LegacySessions builds them. */
  async function postServer(route: ReplyRoute = here.replyRoute(SESSION)) {
    const inner = postTransport();
    const server = new Server({ name: 'spec', version: '1' }, { capabilities: { tools: {} } });
    servers.push(server);
    await server.connect(new AnswerableTransport(inner, route));
    const ask = (signal?: AbortSignal) =>
      server.request({ method: 'elicitation/create', params: form }, { signal, timeout: 10_000 });
    return { server, inner, ask };
  }

  /** The id the client saw on the `index`th message the server sent. */
  const wireId = (inner: { sent: JSONRPCMessage[] }, index = 0): string => {
    const message = inner.sent[index] as { id?: unknown };
    expect(message.id).toMatch(/^ask-[0-9a-f-]{36}$/);
    return message.id as string;
  };

  it('asks under an id of its own; the answer reaches the server under its id', async () => {
    const { inner, ask } = await postServer();
    const asked = ask();
    await eventuallySent(inner, 1);
    expect(inner.sent[0]).toMatchObject({ method: 'elicitation/create', params: form });
    // Another replica got the answer (a later POST of the session).
    await there.deliverReplies(SESSION, [
      {
        jsonrpc: '2.0',
        id: wireId(inner),
        result: { action: 'accept', content: { decision: 'allow' } },
      },
    ]);
    await expect(asked).resolves.toEqual({ action: 'accept', content: { decision: 'allow' } });
  });

  it('two calls of one MCP session asking at once each get their own answer', async () => {
    const a = await postServer();
    const b = await postServer();
    const askedA = a.ask();
    const askedB = b.ask();
    await Promise.all([eventuallySent(a.inner, 1), eventuallySent(b.inner, 1)]);
    // Both servers numbered their request 0; the client sees two ids.
    const [idA, idB] = [wireId(a.inner), wireId(b.inner)];
    expect(idA).not.toBe(idB);
    await here.deliverReplies(SESSION, [
      { jsonrpc: '2.0', id: idB, result: { action: 'decline' } },
    ]);
    await there.deliverReplies(SESSION, [
      { jsonrpc: '2.0', id: idA, result: { action: 'accept', content: { decision: 'deny' } } },
    ]);
    await expect(askedB).resolves.toEqual({ action: 'decline' });
    await expect(askedA).resolves.toEqual({ action: 'accept', content: { decision: 'deny' } });
  });

  it('names the id the client was given when the server gives up on its request', async () => {
    const { inner, ask } = await postServer();
    const abort = new AbortController();
    const asked = ask(abort.signal);
    await eventuallySent(inner, 1);
    abort.abort('answered elsewhere');
    await expect(asked).rejects.toThrow();
    await eventuallySent(inner, 2);
    expect(inner.sent[1]).toMatchObject({
      method: 'notifications/cancelled',
      params: { requestId: wireId(inner) },
    });
  });

  it('stops waiting for what it asked once it closes', async () => {
    const route = here.replyRoute(SESSION);
    const stopped: unknown[] = [];
    const { server, inner, ask } = await postServer({
      expect: async (id, deliver) => {
        const stop = await route.expect(id, deliver);
        return () => {
          stopped.push(id);
          stop();
        };
      },
    });
    const asked = ask().catch((error: unknown) => error);
    await eventuallySent(inner, 1);
    await server.close();
    expect(await asked).toBeInstanceOf(Error);
    expect(stopped).toEqual([wireId(inner)]);
  });
});

/** The transport's send is asynchronous (it first waits for the relay): wait for `count` sends. */
async function eventuallySent(inner: { sent: JSONRPCMessage[] }, count: number): Promise<void> {
  await eventually(`${count} message(s) sent`, () => inner.sent.length >= count);
}
