/**
 * The gateway's MCP HTTP layer over real HTTP with the SDK's own Client, real Redis, and two
 * gateway replicas sharing it. The tools are fakes (test/support/mcp-test-gateway.ts).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LATEST_PROTOCOL_VERSION, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { useTestRedis } from '@app/testing/services';
import { fakeToolset, startTestGateway, type TestGateway } from './support/mcp-test-gateway';
import {
  connectClient,
  cutAfterProgress,
  postJsonRpc,
  rawPost,
  sseMessages,
  streamOf,
  textOf,
  withTimeout,
  type Connected,
} from './support/mcp-test-client';

const ACME_KEY = 'acme-key-0123456789abcdef';
const GLOBEX_KEY = 'globex-key-0123456789abcdef';
const API_KEYS = `acme:${ACME_KEY},globex:${GLOBEX_KEY}`;

const redis = useTestRedis({ label: 'gateway-mcp' });

describe('gateway MCP over HTTP, two replicas, API keys', () => {
  const { tools, probe } = fakeToolset();
  let a: TestGateway;
  let b: TestGateway;
  const clients: Client[] = [];

  beforeAll(async () => {
    const options = {
      redisUrl: redis().url,
      keyPrefix: redis().keyPrefix,
      apiKeys: API_KEYS,
      tools,
    };
    [a, b] = await Promise.all([startTestGateway(options), startTestGateway(options)]);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  async function acme(
    url: URL,
    opts: { fetch?: FetchLike; sessionId?: string } = {},
  ): Promise<Connected> {
    const connected = await connectClient(url, { key: ACME_KEY, ...opts });
    clients.push(connected.client);
    return connected;
  }

  it('initializes, lists the tools and calls one with the tenant of the key', async () => {
    const { client, transport } = await acme(a.url);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const { tools: listed } = await client.listTools();
    expect(listed.map((t) => t.name).sort()).toEqual(['echo', 'fail', 'flood', 'lookup', 'slow']);
    const echo = listed.find((t) => t.name === 'echo');
    expect(echo?.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string' } },
    });

    const result = (await client.callTool({
      name: 'echo',
      arguments: { text: 'hi' },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ text: 'hi', tenant: 'acme' });
    expect(JSON.parse(textOf(result))).toEqual({ text: 'hi', tenant: 'acme' });
  });

  it('answers invalid arguments with a tool error naming the field and the problem', async () => {
    const { client } = await acme(a.url);
    const bad = (await client.callTool({
      name: 'lookup',
      arguments: { sessionId: 'nope' },
    })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toBe(
      'Invalid arguments for lookup: sessionId: sessionId must be a session id (a UUID) returned by session_start',
    );
    const missing = (await client.callTool({
      name: 'echo',
      arguments: { extra: 1 },
    })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(
      /^Invalid arguments for echo: text: .*; arguments: Unrecognized key: "extra"$/,
    );
  });

  it('turns a thrown ClientError into a tool error with its message and no stack', async () => {
    const { client } = await acme(a.url);
    const result = (await client.callTool({ name: 'fail', arguments: {} })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('session 00000000-0000-4000-8000-000000000000 not found');
  });

  it('sends progress notifications with increasing counters before the call returns', async () => {
    const { client } = await acme(a.url);
    const progress: Array<{ progress: number; message?: string }> = [];
    const result = (await client.callTool(
      { name: 'slow', arguments: { steps: 3, delayMs: 10 } },
      undefined,
      {
        onprogress: (p) => progress.push(p),
      },
    )) as CallToolResult;
    expect(result.structuredContent).toEqual({ steps: 3 });
    expect(progress).toEqual([
      { progress: 1, message: 'step 1 of 3' },
      { progress: 2, message: 'step 2 of 3' },
      { progress: 3, message: 'step 3 of 3' },
    ]);
  });

  it('serves a session on replica B that replica A issued, and ends it with DELETE', async () => {
    const first = await acme(a.url);
    const sessionId = first.transport.sessionId;
    const { client, transport } = await acme(b.url, { sessionId });
    const result = (await client.callTool({
      name: 'echo',
      arguments: { text: 'on b' },
    })) as CallToolResult;
    expect(result.structuredContent).toEqual({ text: 'on b', tenant: 'acme' });

    await transport.terminateSession();
    const after = await postJsonRpc(
      a.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      {
        Authorization: `Bearer ${ACME_KEY}`,
        'Mcp-Session-Id': sessionId ?? '',
      },
    );
    expect(after.status).toBe(404);
  });

  it("answers 404 to another tenant's session id, as for an unknown one", async () => {
    const { transport } = await acme(a.url);
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const foreign = await postJsonRpc(b.url, list, {
      Authorization: `Bearer ${GLOBEX_KEY}`,
      'Mcp-Session-Id': transport.sessionId ?? '',
    });
    expect(foreign.status).toBe(404);
    const unknown = await postJsonRpc(b.url, list, {
      Authorization: `Bearer ${GLOBEX_KEY}`,
      'Mcp-Session-Id': '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(404);
    expect(await foreign.json()).toEqual(await unknown.json());
  });

  it('refuses a missing or wrong key with 401 and WWW-Authenticate', async () => {
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const missing = await postJsonRpc(a.url, list);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="mcp"');
    expect(await missing.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringMatching(/Bearer/) },
    });

    const wrong = await postJsonRpc(a.url, list, {
      Authorization: 'Bearer not-a-key-of-this-gateway',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="mcp", error="invalid_token"/,
    );
    expect(JSON.stringify(await wrong.json())).not.toContain('not-a-key-of-this-gateway');
  });

  it('refuses an oversize body with 413 and invalid JSON with 400, as JSON-RPC errors', async () => {
    const auth = { Authorization: `Bearer ${ACME_KEY}` };
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { pad: 'x'.repeat(5 * 1024 * 1024) },
    });
    const tooLarge = await postJsonRpc(a.url, big, auth);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, message: expect.stringMatching(/Payload Too Large/) },
    });

    const garbled = await postJsonRpc(a.url, '{"jsonrpc": "2.0", "id": 1,', auth);
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32700 },
      id: null,
    });
  });

  it('refuses a streamed oversize body (no Content-Length) with 413 as well', async () => {
    const res = await rawPost(a.url, streamOf('x', 5 * 1024 * 1024), {
      Authorization: `Bearer ${ACME_KEY}`,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({
      error: { message: expect.stringMatching(/must not exceed 4194304 bytes/) },
    });
  });

  it('answers 405 to a GET that resumes nothing and to other methods', async () => {
    const auth = { Authorization: `Bearer ${ACME_KEY}` };
    const { transport } = await acme(a.url);
    const get = await fetch(a.url, {
      headers: {
        ...auth,
        Accept: 'text/event-stream',
        'Mcp-Session-Id': transport.sessionId ?? '',
      },
    });
    expect(get.status).toBe(405);
    expect((await fetch(a.url, { method: 'PUT', headers: auth })).status).toBe(405);
  });

  it('cancels the call of a stateless client that goes away (it cannot resume)', async () => {
    const aborted = probe.nextAbort();
    const gone = new AbortController();
    const res = await fetch(b.url, {
      method: 'POST',
      signal: gone.signal,
      headers: {
        Authorization: `Bearer ${ACME_KEY}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'slow', arguments: { steps: 50, delayMs: 100 } },
      }),
    });
    expect(res.status).toBe(200);
    gone.abort();
    await withTimeout(aborted, 5_000, 'the handler to see the disconnect');
  });

  it('serves stateless requests: no initialize, no session id', async () => {
    const res = await postJsonRpc(
      b.url,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'stateless' } },
      },
      { Authorization: `Bearer ${GLOBEX_KEY}`, 'Mcp-Protocol-Version': LATEST_PROTOCOL_VERSION },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    const [response] = await sseMessages(res);
    expect(response).toMatchObject({
      id: 7,
      result: { structuredContent: { text: 'stateless', tenant: 'globex' } },
    });
  });

  it('serves an SDK client that never keeps a session id (stateless), progress included', async () => {
    const forgetSession: FetchLike = async (url, init) => {
      const res = await fetch(url, init);
      const headers = new Headers(res.headers);
      headers.delete('mcp-session-id');
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    };
    const { client, transport } = await acme(a.url, { fetch: forgetSession });
    expect(transport.sessionId).toBeUndefined();
    const progress: string[] = [];
    const result = (await client.callTool(
      { name: 'slow', arguments: { steps: 2, delayMs: 5 } },
      undefined,
      {
        onprogress: (p) => progress.push(p.message ?? ''),
      },
    )) as CallToolResult;
    expect(result.structuredContent).toEqual({ steps: 2 });
    expect(progress).toEqual(['step 1 of 2', 'step 2 of 2']);
  });

  it('aborts the handler when the client cancels, even when the cancellation reaches the other replica', async () => {
    // Calls go to A; the notifications/cancelled POST goes to B.
    const cancelViaB: FetchLike = (url, init) => {
      const cancels =
        init?.method === 'POST' && String(init.body).includes('notifications/cancelled');
      return fetch(cancels ? b.url : url, init);
    };
    const { client } = await acme(a.url, { fetch: cancelViaB });
    const controller = new AbortController();
    const aborted = probe.nextAbort();
    const call = client.callTool(
      { name: 'slow', arguments: { steps: 50, delayMs: 100 } },
      undefined,
      {
        signal: controller.signal,
        onprogress: () => controller.abort('user pressed stop'),
      },
    );
    await expect(call).rejects.toThrow();
    const reason = await withTimeout(aborted, 5_000, 'the handler to see the abort');
    expect(String(reason)).toMatch(/cancelled the call: user pressed stop/);
  });

  it("replays nothing for a Last-Event-ID of another MCP session or another tenant's session", async () => {
    const auth = {
      Authorization: `Bearer ${ACME_KEY}`,
      'Mcp-Protocol-Version': LATEST_PROTOCOL_VERSION,
    };
    const [mine, other] = [await acme(a.url), await acme(a.url)];
    const call = await postJsonRpc(
      a.url,
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'secret' } },
      },
      { ...auth, 'Mcp-Session-Id': mine.transport.sessionId ?? '' },
    );
    const eventId = /^id: (.+)$/m.exec(await call.text())?.[1];
    expect(eventId).toMatch(/\/\d+-\d+$/);
    const resume = (key: string, sessionId: string | undefined): Promise<Response> =>
      fetch(b.url, {
        headers: {
          Authorization: `Bearer ${key}`,
          Accept: 'text/event-stream',
          'Mcp-Session-Id': sessionId ?? '',
          'Last-Event-ID': eventId ?? '',
        },
      });
    const sameSession = await resume(ACME_KEY, mine.transport.sessionId);
    expect(sameSession.status).toBe(200);
    // The call had finished: the replay carries its response and then the stream ends.
    expect(await withTimeout(sameSession.text(), 5_000, 'the replay to end')).toContain('secret');
    const otherSession = await resume(ACME_KEY, other.transport.sessionId);
    expect(otherSession.status).toBe(400);
    expect(await otherSession.text()).not.toContain('secret');
    const otherTenant = await resume(GLOBEX_KEY, mine.transport.sessionId);
    expect(otherTenant.status).toBe(404);
  });

  it('replays what a client missed, via Last-Event-ID on the other replica, until the response', async () => {
    const seen: string[] = [];
    // Cuts the tools/call stream from A after its first progress event; routes the resume (GET) to B.
    const cutAndMove: FetchLike = async (url, init) => {
      const resume = (init?.method ?? 'GET') === 'GET';
      const lastEventId = new Headers(init?.headers).get('last-event-id');
      if (resume && lastEventId) seen.push(`GET ${lastEventId}`);
      const res = await fetch(resume ? b.url : url, init);
      const isCall = init?.method === 'POST' && String(init.body).includes('"tools/call"');
      return isCall && res.body
        ? new Response(cutAfterProgress(res.body), { status: res.status, headers: res.headers })
        : res;
    };
    const { client } = await acme(a.url, { fetch: cutAndMove });
    const progress: string[] = [];
    const result = (await withTimeout(
      client.callTool({ name: 'slow', arguments: { steps: 6, delayMs: 150 } }, undefined, {
        onprogress: (p) => progress.push(p.message ?? ''),
      }),
      15_000,
      'the resumed call',
    )) as CallToolResult;
    expect(result.structuredContent).toEqual({ steps: 6 });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6].map((n) => `step ${n} of 6`));
    expect(seen).toEqual([expect.stringMatching(/^GET [A-Za-z0-9_-]+\/\d+-\d+$/)]);
  });
});

describe('gateway MCP without API keys (loopback only)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ redisUrl: redis().url, keyPrefix: redis().keyPrefix });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('serves the local tenant', async () => {
    const { client } = await connectClient(gateway.url);
    try {
      const result = (await client.callTool({
        name: 'echo',
        arguments: { text: 'local' },
      })) as CallToolResult;
      expect(result.structuredContent).toEqual({ text: 'local', tenant: 'local' });
    } finally {
      await client.close();
    }
  });

  it('answers 403 to a request for another Host or from another Origin (DNS rebinding)', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const rebound = await rawPost(gateway.url, body, { Host: `evil.example:${gateway.url.port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({
      error: { message: expect.stringMatching(/Host "evil\.example/) },
    });

    const crossSite = await rawPost(gateway.url, body, { Origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    const sameMachine = await rawPost(gateway.url, body, {
      Origin: `http://localhost:${gateway.url.port}`,
    });
    expect(sameMachine.status).toBe(200);
  });
});

describe('gateway without Redis', () => {
  it('answers /mcp with 503 naming the fix', async () => {
    const gateway = await startTestGateway({});
    try {
      const res = await postJsonRpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        error: { message: expect.stringMatching(/REDIS_URL/) },
      });
    } finally {
      await gateway.close();
    }
  });
});
