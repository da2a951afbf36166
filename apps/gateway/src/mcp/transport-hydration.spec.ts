/**
 * Canary for the one place that reaches into SDK internals: if an @modelcontextprotocol/sdk
 * upgrade changes how a transport knows it is initialized, this fails before production does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { hydrateTransport, TransportHydrationUnsupported } from './transport-hydration';

const SESSION_ID = '3f2a9c4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

/** Serves each request on a fresh transport made by `makeTransport`, as the gateway does. */
async function serve(
  makeTransport: () => StreamableHTTPServerTransport,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const transport = makeTransport();
    const mcp = new McpServer(
      { name: 'canary', version: '1.0.0' },
      { capabilities: { tools: {} } },
    );
    void mcp
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .finally(() => mcp.close());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function listTools(url: string, sessionId?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'Mcp-Protocol-Version': LATEST_PROTOCOL_VERSION,
      ...(sessionId ? { 'Mcp-Session-Id': sessionId } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
}

const stateful = (): StreamableHTTPServerTransport =>
  new StreamableHTTPServerTransport({ sessionIdGenerator: () => SESSION_ID });

describe('hydrateTransport (SDK internals canary)', () => {
  it('without hydration, a fresh stateful transport refuses a known session id (the problem it solves)', async () => {
    const server = await serve(stateful);
    try {
      const res = await listTools(server.url, SESSION_ID);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/not initialized/i);
    } finally {
      await server.close();
    }
  });

  it('makes a fresh transport serve the session, and still refuse other or missing ids', async () => {
    const server = await serve(() => {
      const transport = stateful();
      hydrateTransport(transport, SESSION_ID);
      return transport;
    });
    try {
      const ok = await listTools(server.url, SESSION_ID);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('mcp-session-id')).toBe(SESSION_ID);
      expect(await ok.text()).toContain('"tools"');
      expect((await listTools(server.url, '00000000-0000-4000-8000-000000000000')).status).toBe(
        404,
      );
      expect((await listTools(server.url)).status).toBe(400);
    } finally {
      await server.close();
    }
  });

  it('refuses loudly to hydrate a transport that is already initialized', () => {
    const transport = stateful();
    hydrateTransport(transport, SESSION_ID);
    expect(() => hydrateTransport(transport, SESSION_ID)).toThrow(TransportHydrationUnsupported);
    expect(() => hydrateTransport(stateful(), SESSION_ID)).not.toThrow();
  });
});
