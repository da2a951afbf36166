import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * Node's http objects to and from the web-standard Request/Response the SDK serves. Bodies are
 * not copied: the endpoint has read and parsed the POST body itself (limits, deadline) and hands
 * the SDK the parsed value, so the Request carries headers only.
 */

/** A body-less web Request with `req`'s method, URL and headers, aborted with `signal`. */
export function webRequestOf(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':') || name === 'content-length') continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  // The SDK reads no part of the URL; the client's Host (checked by the auth middleware) is not
  // trusted to form one (a Host with a space would make Request throw).
  return new Request(new URL(req.url ?? '/', 'http://localhost'), {
    method: req.method ?? 'GET',
    headers,
    signal,
  });
}

/** The first value of a request header. */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An AbortSignal that fires when `res` closes before it was ended: the client went away. */
export function disconnectSignal(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

/** Where a response body's chunks go instead of straight to `res` (ResponseStream). */
export interface BodySink {
  /** False: wait for the response's 'drain' before the next chunk. */
  write(chunk: Uint8Array): boolean;
  /** The body ended, or the client went away. */
  end(): void;
}

/**
 * Writes a web Response to `res`, reading its body only as fast as the client takes it (the
 * response's own back-pressure). Resolves once the body ended (true) or the client went away.
 */
export async function writeWebResponse(
  res: ServerResponse,
  response: Response,
  extraHeaders: Record<string, string> = {},
  sink?: BodySink,
): Promise<boolean> {
  const headers: Record<string, string> = { ...extraHeaders };
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, headers);
  if (!response.body) {
    sink?.end();
    res.end();
    return true;
  }
  // A stream's first message may be seconds away: the client learns at once that it was taken
  // (and a disconnect meanwhile is seen, which is what cancels a stateless client's calls).
  res.flushHeaders();
  const reader = response.body.getReader();
  try {
    for (;;) {
      if (res.destroyed) return false;
      const { done, value } = await reader.read();
      if (done) return true;
      if (!(sink ? sink.write(value) : res.write(value))) await whenWritable(res);
    }
  } catch {
    return false;
    // The body errored (its server closed): end what the client has.
  } finally {
    sink?.end();
    // A stream left unread is cancelled, so the SDK drops its side (keep-alive timer included).
    await reader.cancel().catch(() => undefined);
    if (!res.writableEnded) res.end();
  }
}

/**
 * Resolves once the response has room again (or is gone): how a call streaming progress to a
 * slow client holds back instead of piling its messages up in this process. The SDK queues what
 * it sends in a web stream read into the response only as the socket takes it, so the
 * response's own back-pressure is the signal; what the call does not read meanwhile stays in
 * the session's stream (trimmed by policy: a gap event says so).
 */
export function whenWritable(res: ServerResponse): Promise<void> {
  if (!res.writableNeedDrain || res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
