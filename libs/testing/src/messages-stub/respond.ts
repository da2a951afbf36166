import type { ServerResponse } from 'node:http';
import { errorJson, messageJson, type ResolvedMessage } from './reply-message';
import { formatSse, messageEvents } from './sse-events';
import type { StubApiError, StubReply } from './types';

export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function writeApiError(res: ServerResponse, error: StubApiError, requestId: string): void {
  const headers: Record<string, string> = { 'request-id': requestId };
  const retryable = error.status === 429 || error.status === 529;
  if (error.retryAfterSeconds !== undefined || retryable) {
    headers['retry-after'] = String(error.retryAfterSeconds ?? 0);
  }
  if (error.shouldRetry !== undefined) headers['x-should-retry'] = String(error.shouldRetry);
  writeJson(res, error.status, errorJson(error), headers);
}

export function writeMessage(
  res: ServerResponse,
  message: ResolvedMessage,
  requestId: string,
): void {
  writeJson(res, 200, messageJson(message), { 'request-id': requestId });
}

/** Timers are unref'd: a test that closes the stub mid-stream must not be held open by them. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function writeAndFlush(res: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => res.write(chunk, () => resolve()));
}

/** Streams one message as SSE, honouring `tokenDelayMs` and `dropAfterEvents`. */
export async function streamMessage(
  res: ServerResponse,
  message: ResolvedMessage,
  reply: StubReply,
  requestId: string,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': requestId,
  });
  let written = 0;
  for (const event of messageEvents(message)) {
    if (event.isDelta && reply.tokenDelayMs) await sleep(reply.tokenDelayMs);
    if (res.destroyed) return;
    if (reply.dropAfterEvents !== undefined && written >= reply.dropAfterEvents) {
      // Flushed writes first, then a hard cut: the client sees a truncated stream, not an error event.
      res.socket?.destroy();
      return;
    }
    await writeAndFlush(res, formatSse(event));
    written += 1;
  }
  res.end();
}
