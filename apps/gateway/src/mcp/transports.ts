import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { MCP_MAX_BODY_BYTES } from './limits';
import { hydrateTransport } from './transport-hydration';

/*
 * One transport per HTTP request: whatever must outlive the request (session record, SSE history,
 * cancellations) lives in Redis, so any replica can serve the next one.
 */

/** For clients that send no Mcp-Session-Id and no initialize: nothing is kept between requests. */
export function statelessTransport(): StreamableHTTPServerTransport {
  return new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    maxRequestBodySize: MCP_MAX_BODY_BYTES,
  });
}

/** Serves an initialize request, issuing `sessionId` (already stored by the caller). */
export function initializingTransport(
  sessionId: string,
  eventStore: EventStore,
): StreamableHTTPServerTransport {
  return new StreamableHTTPServerTransport({
    sessionIdGenerator: () => sessionId,
    eventStore,
    maxRequestBodySize: MCP_MAX_BODY_BYTES,
  });
}

/** Serves a request of an existing session, whichever replica issued it. */
export function sessionTransport(
  sessionId: string,
  {
    eventStore,
    onClosed,
  }: { eventStore?: EventStore; onClosed?: (sessionId: string) => Promise<void> },
): StreamableHTTPServerTransport {
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => sessionId,
    onsessionclosed: onClosed,
    eventStore,
    maxRequestBodySize: MCP_MAX_BODY_BYTES,
  });
  hydrateTransport(transport, sessionId);
  return transport;
}
