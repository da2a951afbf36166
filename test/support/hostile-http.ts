/*
 * A raw HTTP client for hostile input: it sends exactly the bytes it is given (literal number
 * tokens, lone-surrogate escapes, broken JSON, trickling bodies, odd headers) and classifies the
 * answer as clean (a JSON-RPC error, a tool error, a refusal of the HTTP layer) or not (no answer
 * within the bound, a dropped connection, a 5xx, an answer that is not what the protocol says).
 * Used by test/hostile-*.test.ts and bench/chaos/fuzz.ts.
 */
import http from 'node:http';

export const PROTOCOL_VERSION = '2025-11-25';

/** What came back for one request, and how long it took (send start to the answer's last byte). */
export interface Answer {
  /** HTTP status; 0 when no response arrived. */
  status: number;
  ms: number;
  kind: AnswerKind;
  /** JSON-RPC error code, for `rpc-error`. */
  code?: number;
  /** The tool error's text or the JSON-RPC error's message (or the HTTP body of `http-refusal`). */
  text?: string;
  /** The response's JSON-RPC id (JSON text), when there was one. */
  id?: string;
  headers: http.IncomingHttpHeaders;
  /** Set when the answer is not clean: why. */
  failure?: string;
  /** Bytes of the response body. */
  bytes: number;
}

export type AnswerKind =
  /** A JSON-RPC error response (transport refusal or protocol error). */
  | 'rpc-error'
  /** A tools/call result with isError: true. */
  | 'tool-error'
  /** A successful result. */
  | 'ok'
  /** 202 without a body: the body held only notifications or responses. */
  | 'accepted'
  /** A 4xx of the HTTP layer itself (Node's parser: 400, 408, 413, 431), possibly without a body. */
  | 'http-refusal'
  /** Not a clean answer; `failure` says why. */
  | 'failure';

export interface RawRequest {
  method?: string;
  headers?: Record<string, string | string[]>;
  /** A string or buffer is sent with Content-Length; chunks are sent chunked, one write each. */
  body?: string | Buffer | Iterable<string | Buffer> | AsyncIterable<string | Buffer>;
  /** No complete answer within this many ms: a `failure` ('no answer within ...'). */
  timeoutMs: number;
  agent?: http.Agent;
}

/** Largest response body read; more is a failure (an answer should never be that large). */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * Sends one HTTP request and classifies what comes back. Never throws. A connection per request
 * unless an agent is given: a kept-alive connection the server closes after its idle timeout,
 * just as a request goes out on it, fails that request through no fault of the request.
 */
export function send(url: URL, request: RawRequest): Promise<Answer> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 10) / 10;
  return new Promise((resolve) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const timer = setTimeout(() => {
      fail(`no answer within ${request.timeoutMs} ms`);
      req?.destroy();
    }, request.timeoutMs);
    const finish = (answer: Omit<Answer, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...answer, ms: ms() });
    };
    const fail = (failure: string, status = 0, headers: http.IncomingHttpHeaders = {}) =>
      finish({ status, kind: 'failure', failure, headers, bytes: 0 });
    const body = request.body;
    const fixed = typeof body === 'string' || Buffer.isBuffer(body);
    try {
      req = http.request(url, {
        method: request.method ?? 'POST',
        agent: request.agent ?? false,
        headers: {
          ...(fixed ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
          ...request.headers,
        },
      });
    } catch (error) {
      // node:http refuses to send it (a header it calls invalid): the case needs raw bytes.
      return fail(`not sent: ${String(error)}`);
    }
    let responded = false;
    req.once('error', (error: NodeJS.ErrnoException) => {
      // A server may answer (413) and close before the whole body is sent (EPIPE here): the
      // answer it sent counts, and the response's own events finish the request.
      if (!responded) fail(`connection error: ${error.code ?? error.message}`);
    });
    req.once('response', (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_RESPONSE_BYTES) {
          fail(`response larger than ${MAX_RESPONSE_BYTES} bytes`, res.statusCode, res.headers);
          return void req.destroy();
        }
        chunks.push(chunk);
      });
      res.once('error', (error) => fail(`response error: ${error.message}`, res.statusCode));
      const done = () => {
        const text = Buffer.concat(chunks).toString('utf8');
        finish({
          ...classify(res.statusCode ?? 0, res.headers, text),
          headers: res.headers,
          bytes,
        });
      };
      res.once('end', done);
      // Closed before 'end' (the connection dropped after the answer): what arrived is judged.
      res.once('close', done);
    });
    if (body === undefined) return void req.end();
    if (fixed) return void req.end(body);
    void (async () => {
      try {
        for await (const chunk of body) {
          if (settled || req.destroyed) return;
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      } catch (error) {
        fail(`body source failed: ${String(error)}`);
        req.destroy();
      }
    })();
  });
}

type Classified = Omit<Answer, 'ms' | 'headers' | 'bytes'>;

/** Reads an answer as the protocol defines it; anything else is a `failure`. */
export function classify(
  status: number,
  headers: http.IncomingHttpHeaders,
  text: string,
): Classified {
  if (status >= 500)
    return { status, kind: 'failure', failure: `HTTP ${status}: ${text.slice(0, 300)}` };
  if (status === 202 && text === '') return { status, kind: 'accepted' };
  const type = String(headers['content-type'] ?? '');
  let messages: unknown[];
  try {
    if (type.startsWith('text/event-stream')) messages = sseData(text).map((d) => JSON.parse(d));
    else if (type.startsWith('application/json')) messages = [JSON.parse(text)].flat();
    else if (status >= 400) return { status, kind: 'http-refusal', text: text.slice(0, 300) };
    else return { status, kind: 'failure', failure: `HTTP ${status} with ${type || 'no type'}` };
  } catch {
    return { status, kind: 'failure', failure: `unparseable ${type} body: ${text.slice(0, 200)}` };
  }
  const responses = messages.filter(isResponse);
  if (responses.length === 0) {
    return { status, kind: 'failure', failure: `no JSON-RPC response in: ${text.slice(0, 300)}` };
  }
  // A batch answers with several responses; an error anywhere is what the caller sees first.
  const response = responses.find((r) => r.error) ?? responses[0];
  const id = JSON.stringify(response.id);
  if (response.error) {
    const { code, message } = response.error as { code?: unknown; message?: unknown };
    if (typeof code !== 'number' || typeof message !== 'string' || message === '') {
      return { status, kind: 'failure', failure: `malformed error: ${JSON.stringify(response)}` };
    }
    return { status, kind: 'rpc-error', code, text: message, id };
  }
  const result = response.result as { isError?: boolean; content?: Array<{ text?: unknown }> };
  if (result?.isError) {
    const message = result.content?.map((c) => c.text).join(' ') ?? '';
    if (typeof message !== 'string' || message.trim() === '') {
      return {
        status,
        kind: 'failure',
        failure: `tool error without a message: ${text.slice(0, 200)}`,
      };
    }
    return { status, kind: 'tool-error', text: message, id };
  }
  return { status, kind: 'ok', text: JSON.stringify(result).slice(0, 2_000), id };
}

interface RpcResponse {
  id: unknown;
  result?: unknown;
  error?: unknown;
}

function isResponse(m: unknown): m is RpcResponse {
  return typeof m === 'object' && m !== null && 'id' in m && ('result' in m || 'error' in m);
}

function sseData(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
    .map((line) => line.slice('data: '.length));
}

/** The headers an MCP client sends with a POST. */
export function mcpHeaders(key: string | undefined, session?: string): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    ...(key ? { Authorization: `Bearer ${key}` } : {}),
    ...(session ? { 'Mcp-Session-Id': session, 'Mcp-Protocol-Version': PROTOCOL_VERSION } : {}),
  };
}

/** A tools/call request whose `arguments` is `argsJson`, exactly as given (any JSON text). */
export function toolCallBody(id: number | string, name: string, argsJson: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":${JSON.stringify(name)},"arguments":${argsJson}}}`;
}

/**
 * A tenant's MCP client speaking raw HTTP: `stateful` after initialize (Mcp-Session-Id on every
 * request), else stateless (the gateway then keeps nothing between requests).
 */
export class RawMcp {
  private nextId = 1;
  session: string | undefined;

  constructor(
    readonly url: URL,
    readonly key: string,
  ) {}

  async initialize(): Promise<string> {
    const answer = await send(this.url, {
      headers: mcpHeaders(this.key),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: this.nextId++,
        method: 'initialize',
        params: {
          protocolVersion: PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: 'hostile-input', version: '1' },
        },
      }),
      timeoutMs: 10_000,
    });
    const session = answer.headers['mcp-session-id'];
    if (answer.kind !== 'ok' || typeof session !== 'string') {
      throw new Error(`initialize failed: ${JSON.stringify(answer)}`);
    }
    this.session = session;
    await send(this.url, {
      headers: mcpHeaders(this.key, session),
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      timeoutMs: 10_000,
    });
    return session;
  }

  /** tools/list: the tools this gateway serves, with their advertised input schemas. */
  async listTools(): Promise<Array<{ name: string; inputSchema: JsonSchema }>> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: mcpHeaders(this.key),
      body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method: 'tools/list' }),
    });
    const [data] = sseData(await res.text());
    const parsed = JSON.parse(data ?? 'null') as {
      result?: { tools: Array<{ name: string; inputSchema: JsonSchema }> };
    };
    if (!parsed?.result) throw new Error(`tools/list failed: ${data}`);
    return parsed.result.tools;
  }

  /** tools/call with `argsJson` as the arguments, verbatim. */
  call(
    name: string,
    argsJson: string,
    opts: { stateful?: boolean; timeoutMs: number },
  ): Promise<Answer> {
    return this.post(toolCallBody(this.nextId++, name, argsJson), opts);
  }

  /** Any body, with the headers of this client (and its MCP session when `stateful`). */
  post(
    body: RawRequest['body'],
    opts: { stateful?: boolean; timeoutMs: number; headers?: Record<string, string> },
  ): Promise<Answer> {
    return send(this.url, {
      headers: {
        ...mcpHeaders(this.key, opts.stateful ? this.session : undefined),
        ...opts.headers,
      },
      body,
      timeoutMs: opts.timeoutMs,
    });
  }

  /** Nothing to release: every request has its own connection (see `send`). */
  close(): void {}
}

/** The subset of JSON Schema the gateway advertises for tool inputs (zod's output). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}
