import type { ServerResponse } from 'node:http';
import type { RedisClient } from '@app/redis';
import { JsonRpcCode, replyJsonRpcError } from './json-rpc';
import { RedisEventStore } from './redis-event-store';
import { whenWritable } from './web-bridge';

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

/**
 * Resumes a 2025 client's response stream (GET with Last-Event-ID) on any replica: replays what
 * the event store holds after that id and, while the call still runs on another replica, follows
 * the store until its response. This gateway owns it end to end: the SDK's transport would close
 * a replayed stream whose call it does not run itself, so a client resuming a running call on
 * another replica would get nothing more.
 */
export async function resumeStream(
  redis: RedisClient,
  scope: { mcpSessionId: string; tenant: string },
  lastEventId: string,
  res: ServerResponse,
): Promise<void> {
  const closed = new AbortController();
  res.once('close', () => closed.abort());
  const store = new RedisEventStore(redis, {
    ...scope,
    closed: closed.signal,
    onStreamComplete: () => res.end(),
  });
  if ((await store.getStreamIdForEventId(lastEventId)) === undefined) {
    return replyJsonRpcError(
      res,
      400,
      JsonRpcCode.serverError,
      'Bad Request: Last-Event-ID names no stream of this MCP session',
    );
  }
  res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': scope.mcpSessionId });
  await store.replayEventsAfter(lastEventId, {
    send: async (eventId, message) => {
      if (res.destroyed) return;
      if (!res.write(`event: message\nid: ${eventId}\ndata: ${JSON.stringify(message)}\n\n`)) {
        await whenWritable(res);
      }
    },
  });
}
