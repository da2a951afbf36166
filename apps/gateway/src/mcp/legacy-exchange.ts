import type { ServerResponse } from 'node:http';
import {
  WebStandardStreamableHTTPServerTransport,
  type EventStore,
  type Server,
  type Transport,
} from '@modelcontextprotocol/server';
import { MCP_MAX_BODY_BYTES } from './limits';
import type { ResponseStream } from './response-stream';
import { writeWebResponse } from './web-bridge';

export interface LegacyExchange {
  request: Request;
  res: ServerResponse;
  body: unknown;
  /** Stores what the response stream carries, for Last-Event-ID replay (2025 MCP sessions). */
  eventStore?: EventStore;
  /** The MCP session the response names in `Mcp-Session-Id` (ours: issued and kept in Redis). */
  sessionId?: string;
  /**
   * True when the client cannot resume the response stream (no MCP session, or a revision
   * before resumable streams): a disconnect then cancels its calls. Otherwise calls run to
   * completion and their messages wait in the event store for a reconnect to any replica.
   */
  cancelOnDisconnect: boolean;
  /** Wraps the transport the server talks through (to route replies to what it asks). */
  wrapTransport?: (transport: Transport) => Transport;
  /** Writes the SSE response, merging in a relayed turn's progress (2025 MCP sessions). */
  stream?: ResponseStream;
}

/**
 * Serves one 2025-era POST: a fresh server on the SDK's transport in its stateless mode, so the
 * SDK keeps no session. MCP sessions are this gateway's own (McpSessionStore, any replica):
 * the endpoint checks the `Mcp-Session-Id` before, and names the session in the answer here.
 * Returns the HTTP status the SDK answered with.
 */
export async function serveLegacyPost(server: Server, exchange: LegacyExchange): Promise<number> {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    eventStore: exchange.eventStore,
    maxRequestBodySize: MCP_MAX_BODY_BYTES,
  });
  await server.connect(exchange.wrapTransport?.(transport) ?? transport);
  const { res } = exchange;
  let delivered = false;
  res.once('close', () => {
    // Closing the server aborts the calls it runs (their handlers see the signal).
    if (!delivered && exchange.cancelOnDisconnect) void server.close();
  });
  const response = await transport.handleRequest(exchange.request, {
    parsedBody: exchange.body,
  });
  const named: Record<string, string> =
    exchange.sessionId !== undefined && response.ok ? { 'mcp-session-id': exchange.sessionId } : {};
  delivered = await writeWebResponse(res, response, named, exchange.stream);
  // Answered in full: the server's work for this request is over. A resumable client that left
  // early leaves its calls running; their server is collected once they answered into the store.
  if (delivered) await server.close();
  return response.status;
}
