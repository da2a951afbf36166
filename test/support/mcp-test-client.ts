/*
 * Client side of the MCP HTTP tests: the SDK's Client plus raw requests for what the Client never
 * sends (bad keys, foreign Host headers, oversize or broken bodies).
 */
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Reconnects within milliseconds, so resumption tests run fast. */
export const FAST_RECONNECT = {
  initialReconnectionDelay: 20,
  maxReconnectionDelay: 100,
  reconnectionDelayGrowFactor: 1.5,
  maxRetries: 5,
};

export interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

/** The SDK's own Client over Streamable HTTP, with a bearer key and an optional fetch in between. */
export async function connectClient(
  url: URL,
  opts: { key?: string; fetch?: FetchLike; sessionId?: string } = {},
): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: opts.key ? { headers: { Authorization: `Bearer ${opts.key}` } } : undefined,
    fetch: opts.fetch,
    sessionId: opts.sessionId,
    reconnectionOptions: FAST_RECONNECT,
  });
  const client = new Client({ name: 'gateway-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** The text of a tool result's first content block. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

/** A POST of one JSON-RPC message with the headers an MCP client sends. */
export function postJsonRpc(
  url: URL,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The JSON-RPC messages of an SSE response body. */
export async function sseMessages(res: Response): Promise<Array<Record<string, unknown>>> {
  const text = await res.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
}

/** Rejects naming `what` when `promise` takes longer than `ms`; leaves no timer behind. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Passes SSE bytes through until the first progress notification, then fails like a dropped connection. */
export function cutAfterProgress(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let cut = false;
  return new ReadableStream({
    async pull(controller) {
      if (cut) {
        await reader.cancel();
        return controller.error(new Error('connection dropped by the test'));
      }
      const { value, done } = await reader.read();
      if (done) return controller.close();
      controller.enqueue(value);
      cut = decoder.decode(value, { stream: true }).includes('notifications/progress');
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** `total` bytes of `char`, sent in chunks without a Content-Length. */
export function* streamOf(char: string, total: number): Generator<string> {
  const chunk = char.repeat(64 * 1024);
  for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
}

/** node:http, because fetch will not send a Host header of our choosing. */
export function rawPost(
  url: URL,
  body: string | Iterable<string>,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...(typeof body === 'string' ? { 'Content-Length': Buffer.byteLength(body) } : {}),
        ...headers,
      },
    });
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    if (typeof body === 'string') return void req.end(body);
    for (const chunk of body) req.write(chunk);
    req.end();
  });
}
