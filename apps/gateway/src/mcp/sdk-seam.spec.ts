/**
 * Canary for what this gateway relies on in @modelcontextprotocol/server beyond its typed API
 * (pinned exactly in package.json). The tasks extension is not in the SDK yet: a task answer
 * travels as a tools/call result whose `resultType` the SDK forwards verbatim, and tasks/* are
 * custom methods. If an SDK upgrade changes any of this, this spec fails before clients do:
 * read the SDK's changelog for tasks support and move server-factory.ts / tasks/ onto it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  createMcpHandler,
  isLegacyRequest,
  Server,
  WebStandardStreamableHTTPServerTransport,
  type EventStore,
  type JSONRPCMessage,
} from '@modelcontextprotocol/server';

import { progressNotification, sseFrame } from './relayed-progress';

const MODERN = '2026-07-28';
const PINNED = '2.4.0';

function modernServer(): Server {
  const server = new Server({ name: 'canary', version: '1' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/call', () => ({
    content: [],
    resultType: 'task',
    taskId: 't',
    status: 'working',
    createdAt: 'c',
    lastUpdatedAt: 'u',
    ttlMs: 1,
    pollIntervalMs: 2,
  }));
  server.setRequestHandler('tasks/get', { params: z.looseObject({ taskId: z.string() }) }, (p) => ({
    resultType: 'complete',
    taskId: p.taskId,
    status: 'working',
  }));
  return server;
}

function modernRequest(method: string, params: Record<string, unknown>, name: string): Request {
  return new Request('http://localhost/mcp', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
}

describe('@modelcontextprotocol/server seams the gateway relies on', () => {
  it(`is the pinned version ${PINNED}`, () => {
    const pkg = JSON.parse(
      readFileSync(
        join(require.resolve('@modelcontextprotocol/server'), '../../package.json'),
        'utf8',
      ),
    ) as { version: string };
    expect(pkg.version).toBe(PINNED);
  });

  it('forwards a tools/call result with resultType "task" verbatim in the 2026-07-28 era', async () => {
    const handler = createMcpHandler(modernServer, { legacy: 'reject' });
    const res = await handler.fetch(modernRequest('tools/call', { name: 'x', arguments: {} }, 'x'));
    const body = (await res.json()) as { result: Record<string, unknown> };
    expect(body.result).toMatchObject({
      resultType: 'task',
      taskId: 't',
      status: 'working',
      ttlMs: 1,
      pollIntervalMs: 2,
    });
  });

  it('serves tasks/get as a custom method in the 2026-07-28 era', async () => {
    const handler = createMcpHandler(modernServer, { legacy: 'reject' });
    const res = await handler.fetch(modernRequest('tasks/get', { taskId: 'abc' }, 'abc'));
    const body = (await res.json()) as { result: Record<string, unknown> };
    expect(body.result).toMatchObject({ resultType: 'complete', taskId: 'abc', status: 'working' });
  });

  it('classifies our traffic: envelope → modern; initialize, plain 2025 calls, GET → legacy', async () => {
    const plain = new Request('http://localhost/mcp', { method: 'POST' });
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const init = { ...call, method: 'initialize', params: { protocolVersion: '2025-11-25' } };
    expect(await isLegacyRequest(plain, call)).toBe(true);
    expect(await isLegacyRequest(plain, init)).toBe(true);
    expect(await isLegacyRequest(new Request('http://localhost/mcp'))).toBe(true);
    const modern = modernRequest('tools/list', {}, 'x');
    expect(await isLegacyRequest(modern, await modern.clone().json())).toBe(false);
  });

  it('stores a stateless transport’s stream (priming event included) in the event store given', async () => {
    const stored: Array<{ streamId: string; message: JSONRPCMessage }> = [];
    const eventStore: EventStore = {
      storeEvent: async (streamId, message) => {
        stored.push({ streamId, message });
        return `${streamId}/${stored.length}`;
      },
      replayEventsAfter: async () => '',
    };
    const server = new Server({ name: 'canary', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', () => ({ tools: [] }));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      eventStore,
    });
    await server.connect(transport);
    const res = await transport.handleRequest(
      new Request('http://localhost/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
      }),
      { parsedBody: { jsonrpc: '2.0', id: 7, method: 'tools/list' } },
    );
    expect(await res.text()).toMatch(/^id: .+\/1\ndata: \n\n/);
    expect(stored.map((s) => s.message)).toEqual([
      {},
      expect.objectContaining({ id: 7, result: expect.objectContaining({ tools: [] }) }),
    ]);
    await server.close();
  });

  it('queues one chunk per stored message, after storing it, and writes progress as we do', async () => {
    // ResponseStream merges relayed progress into the SDK's stream by counting the messages the
    // event store saw against the chunks read (keep-alive comments aside), and writes relayed
    // notifications as the SDK's own frames.
    const ids: string[] = [];
    const eventStore: EventStore = {
      storeEvent: async (streamId) => {
        ids.push(`${streamId}/${ids.length + 1}`);
        return ids[ids.length - 1];
      },
      replayEventsAfter: async () => '',
    };
    const server = new Server({ name: 'canary', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/call', async (_, ctx) => {
      for (const progress of [1, 2]) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken: 'p', progress, message: `{"n":${progress},"q":"\\"é"}` },
        });
      }
      return { content: [] };
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      eventStore,
    });
    await server.connect(transport);
    const res = await transport.handleRequest(
      new Request('http://localhost/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
      }),
      {
        parsedBody: {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'x', arguments: {}, _meta: { progressToken: 'p' } },
        },
      },
    );
    const chunks: string[] = [];
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const storedBefore = ids.length;
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = new TextDecoder().decode(value);
      if (chunk.startsWith(':')) continue;
      chunks.push(chunk);
      expect(storedBefore).toBeGreaterThanOrEqual(chunks.length);
      expect(chunk).toContain(`id: ${ids[chunks.length - 1]}\n`);
    }
    expect(chunks).toHaveLength(ids.length);
    expect(chunks.slice(1, 3)).toEqual(
      [1, 2].map((n) =>
        sseFrame(ids[n], JSON.stringify(progressNotification('p', n, `{"n":${n},"q":"\\"é"}`))),
      ),
    );
    await server.close();
  });
});
