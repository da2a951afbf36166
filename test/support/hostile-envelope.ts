/*
 * Hostile HTTP and JSON-RPC envelopes for /mcp: broken JSON, huge batches, deep nesting, huge
 * bodies, wrong media types, unknown methods, odd ids, bad keys, other tenants' MCP sessions,
 * slow bodies. Each case knows what a clean answer is; fixed cases hold what issue 13's manual
 * probe found (batches capped at 100, deep nesting refused, 50 MB → 413), generated ones vary
 * bodies, headers, ids and methods. Used by test/hostile-envelope.test.ts and bench/chaos/fuzz.ts.
 */
import fc from 'fast-check';
import { MCP_MAX_BODY_BYTES } from '../../apps/gateway/src/mcp/limits';
import { nested } from './hostile-arguments';
import { classify, mcpHeaders, PROTOCOL_VERSION, send, type Answer } from './hostile-http';
import net from 'node:net';

export const ENVELOPE_CATEGORIES = [
  'invalid-json',
  'huge-batch',
  'deep-nesting',
  'huge-body',
  'content-type',
  'accept',
  'unknown-method',
  'notification-with-id',
  'id-types',
  'bearer-key',
  'foreign-mcp-session',
  'http-method',
  'slow-body',
] as const;
export type EnvelopeCategory = (typeof ENVELOPE_CATEGORIES)[number];

/** Where the cases go, and the MCP sessions they use. */
export interface EnvelopeTarget {
  url: URL;
  /** The sending tenant's key, and an MCP session it initialized. */
  key: string;
  session: string;
  /** Another tenant's key and MCP session. */
  otherKey: string;
  otherSession: string;
}

export interface EnvelopeCase {
  category: EnvelopeCategory;
  name: string;
  send(target: EnvelopeTarget, timeoutMs: number): Promise<Answer>;
  /** Why the answer is not the clean one this case needs, or undefined. */
  check(answer: Answer): string | undefined;
  /** How long its answer may take, when not the common bound (a body trickling in). */
  boundMs?: number;
}

/* ------------------------------------------------------------------------------------------ */
/* Checks                                                                                      */

type Check = (answer: Answer) => string | undefined;

const describe = (a: Answer) =>
  `${a.kind} HTTP ${a.status}${a.code !== undefined ? ` code ${a.code}` : ''}: ${(a.failure ?? a.text ?? '').slice(0, 200)}`;

/** A JSON-RPC error with this HTTP status (and code, when given). */
export const rpcError =
  (status: number, code?: number): Check =>
  (a) =>
    a.kind === 'rpc-error' && a.status === status && (code === undefined || a.code === code)
      ? undefined
      : `expected HTTP ${status} with a JSON-RPC error${code !== undefined ? ` ${code}` : ''}, got ${describe(a)}`;

/** Any clean answer: an error, a result or 202, never a failure. */
export const clean: Check = (a) => (a.kind === 'failure' ? a.failure : undefined);

/** Refused by the HTTP layer or the transport with one of `statuses`. */
const refusedWith =
  (...statuses: number[]): Check =>
  (a) =>
    (a.kind === 'rpc-error' || a.kind === 'http-refusal') && statuses.includes(a.status)
      ? undefined
      : `expected a refusal (${statuses.join('/')}), got ${describe(a)}`;

/** A JSON-RPC response (result or error) to the request with this id. */
const answeredWithId =
  (id: string): Check =>
  (a) =>
    (a.kind === 'ok' || a.kind === 'rpc-error' || a.kind === 'tool-error') && a.id === id
      ? undefined
      : `expected an answer to id ${id}, got ${describe(a)} (id ${a.id})`;

const either =
  (...checks: Check[]): Check =>
  (a) => {
    const misses = checks.map((c) => c(a));
    return misses.some((m) => m === undefined) ? undefined : misses.join(' | ');
  };

const accepted: Check = (a) =>
  a.kind === 'accepted' ? undefined : `expected 202, got ${describe(a)}`;

/* ------------------------------------------------------------------------------------------ */
/* Bodies                                                                                      */

const rpc = (body: Record<string, unknown>) => JSON.stringify({ jsonrpc: '2.0', ...body });
const toolsList = (id: unknown = 1) => rpc({ id, method: 'tools/list' });
const statusCall = (id: unknown = 1) =>
  rpc({
    id,
    method: 'tools/call',
    params: { name: 'session_status', arguments: { sessionId: crypto.randomUUID() } },
  });
const initialize = (id: unknown = 1) =>
  rpc({
    id,
    method: 'initialize',
    params: {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'hostile', version: '1' },
    },
  });
/** A call that would create a session if it were ever served. */
const startCall = (id: number) =>
  rpc({
    id,
    method: 'tools/call',
    params: { name: 'session_start', arguments: { prompt: 'hi' } },
  });
const batch = (n: number, make: (i: number) => string) =>
  `[${Array.from({ length: n }, (_, i) => make(i)).join(',')}]`;

/** A POST as the fuzzing tenant's MCP client sends it, with `headers` changed. */
function post(
  body: string | Buffer | AsyncIterable<Buffer>,
  opts: { stateful?: boolean; headers?: Record<string, string | undefined>; method?: string } = {},
) {
  return (t: EnvelopeTarget, timeoutMs: number): Promise<Answer> => {
    const headers: Record<string, string> = {
      ...mcpHeaders(t.key, opts.stateful ? t.session : undefined),
    };
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      const existing = Object.keys(headers).find((h) => h.toLowerCase() === name.toLowerCase());
      if (existing) delete headers[existing];
      if (value !== undefined) headers[name] = value;
    }
    return send(t.url, { method: opts.method ?? 'POST', headers, body, timeoutMs });
  };
}

/** Bytes written straight to the socket (what node:http refuses to send), answered as parsed. */
export function sendRaw(
  build: (t: EnvelopeTarget) => Buffer | string,
): (t: EnvelopeTarget, timeoutMs: number) => Promise<Answer> {
  return (t, timeoutMs) => rawExchange(t.url, build(t), timeoutMs);
}

function requestHead(t: EnvelopeTarget, extra: string, bodyLength?: number): string {
  return (
    `POST ${t.url.pathname} HTTP/1.1\r\nHost: ${t.url.host}\r\n` +
    `Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
    extra +
    (bodyLength !== undefined ? `Content-Length: ${bodyLength}\r\n` : '') +
    `Connection: close\r\n\r\n`
  );
}

/** `total` bytes of a JSON string value, in 64 KiB chunks, without a Content-Length. */
async function* padding(total: number): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  yield Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"');
  for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
  yield Buffer.from('"}}');
}

/** `body` one slice every `everyMs`: a slow-loris body (it arrives, but slowly). */
async function* trickle(body: Buffer, slices: number, everyMs: number): AsyncGenerator<Buffer> {
  const size = Math.ceil(body.length / slices);
  for (let at = 0; at < body.length; at += size) {
    yield body.subarray(at, at + size);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A body that never ends: one byte every `everyMs`, until the server closes or `forMs` passes. */
async function* endless(everyMs: number, forMs: number): AsyncGenerator<Buffer> {
  yield Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"');
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    yield Buffer.from('x');
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Fixed cases                                                                                 */

const MiB = 1024 * 1024;

/** How long the gateway reads a body before it answers 408 (MCP_BODY_DEADLINE_MS), plus slack. */
export const SLOW_BODY_BOUND_MS = 35_000;

export function envelopeCases(): EnvelopeCase[] {
  const cases: EnvelopeCase[] = [];
  const add = (
    category: EnvelopeCategory,
    name: string,
    sendCase: EnvelopeCase['send'],
    check: Check,
    boundMs?: number,
  ) => cases.push({ category, name, send: sendCase, check, boundMs });

  // Invalid JSON: 400 Parse error; valid JSON that is no JSON-RPC message: 400 as well.
  for (const body of [
    '',
    ' ',
    '{',
    '{"jsonrpc":"2.0","id":1,',
    `${toolsList()}}`,
    `${toolsList()} trailing`,
    'NaN',
    '{"jsonrpc":"2.0","id":NaN,"method":"tools/list"}',
    "{'jsonrpc':'2.0'}",
    '{"jsonrpc":"2.0","id":1,"method":"tools/list",}',
    '{"jsonrpc":"2.0","id":01,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":0x10,"method":"tools/list"}',
    `\ufeff${toolsList()}`,
    '\u0000',
    'undefined',
    '[1,2',
    '{"a":"\\x41"}',
  ]) {
    add(
      'invalid-json',
      `body ${JSON.stringify(body).slice(0, 60)}`,
      post(body),
      rpcError(400, -32700),
    );
  }
  add(
    'invalid-json',
    'invalid UTF-8 bytes',
    post(Buffer.from([0x7b, 0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x7d])),
    rpcError(400, -32700),
  );
  for (const body of [
    'null',
    '1',
    '"x"',
    'true',
    '{}',
    '[1]',
    '[null]',
    '{"jsonrpc":"1.0","id":1,"method":"tools/list"}',
    '{"jsonrpc":"2.0"}',
    '{"jsonrpc":"2.0","id":1,"method":1}',
    '{"jsonrpc":"2.0","id":1}',
    '{"__proto__":{"polluted":true},"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  ]) {
    add(
      'invalid-json',
      `not JSON-RPC: ${body.slice(0, 60)}`,
      post(body),
      body.includes('__proto__') ? clean : either(rpcError(400, -32700), rpcError(400, -32600)),
    );
  }
  // JSON-RPC says an empty batch is an Invalid Request; the SDK answers it 202 (nothing to do).
  add('invalid-json', 'empty batch []', post('[]'), either(accepted, rpcError(400, -32600)));

  // Batches: more than 100 messages are refused whole, whatever they hold.
  add(
    'huge-batch',
    '10,000 session_start calls',
    post(batch(10_000, startCall)),
    rpcError(400, -32600),
  );
  add('huge-batch', '101 session_start calls', post(batch(101, startCall)), rpcError(400, -32600));
  add(
    'huge-batch',
    '10,000 initialize requests',
    post(batch(10_000, (i) => initialize(i))),
    rpcError(400, -32600),
  );
  add(
    'huge-batch',
    'a million empty objects (3 MB)',
    post(`[${Array.from({ length: 1_000_000 }, () => '{}').join(',')}]`),
    rpcError(400, -32600),
  );
  add(
    'huge-batch',
    '80,000 requests (3.3 MB)',
    post(batch(80_000, (i) => rpc({ id: i, method: 'x' }))),
    rpcError(400, -32600),
  );
  add(
    'huge-batch',
    '10,000 notifications',
    post(batch(10_000, () => rpc({ method: 'notifications/initialized' }))),
    rpcError(400, -32600),
  );
  add(
    'huge-batch',
    'two initialize requests',
    post(batch(2, (i) => initialize(i))),
    rpcError(400, -32600),
  );
  add(
    'huge-batch',
    'initialize beside a call',
    post(`[${initialize(1)},${statusCall(2)}]`),
    rpcError(400, -32600),
  );
  add(
    'huge-batch',
    '100 calls with unknown session ids (allowed: each answered)',
    post(batch(100, (i) => statusCall(i))),
    (a) => (a.kind === 'tool-error' ? undefined : `expected tool errors, got ${describe(a)}`),
  );

  // Deep nesting: refused or answered, fast, never a crash (the stack) or a hang.
  // Valid JSON that is no JSON-RPC message: the 1.x SDK answered a parse error (-32700), the 2.x
  // SDK answers Invalid Request (-32600, JSON-RPC's own code for it); either is a clean refusal.
  const notJsonRpc = either(rpcError(400, -32700), rpcError(400, -32600));
  add('deep-nesting', '100k-deep array as the body', post(nested(100_000, 'array')), notJsonRpc);
  add('deep-nesting', '100k-deep object as the body', post(nested(100_000, 'object')), notJsonRpc);
  add(
    'deep-nesting',
    '100k-deep id',
    post(`{"jsonrpc":"2.0","id":${nested(100_000, 'array')},"method":"tools/list"}`),
    notJsonRpc,
  );
  add(
    'deep-nesting',
    '100k-deep params',
    post(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":${nested(100_000, 'object')}}`),
    clean,
  );
  add(
    'deep-nesting',
    '100k-deep _meta',
    post(
      `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${nested(100_000, 'mixed')}}}`,
    ),
    clean,
  );
  add(
    'deep-nesting',
    '100k-deep progressToken',
    post(
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"session_list","arguments":{},"_meta":{"progressToken":${nested(100_000, 'array')}}}}`,
    ),
    clean,
  );
  add(
    'deep-nesting',
    '100k-deep tool argument',
    post(
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"session_start","arguments":{"prompt":"hi","workspace":${nested(100_000, 'mixed')}}}}`,
      { stateful: true },
    ),
    (a) => (a.kind === 'tool-error' ? undefined : `expected a tool error, got ${describe(a)}`),
  );
  add(
    'deep-nesting',
    '100k-deep cancellation reason',
    post(
      `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":${nested(100_000, 'array')},"reason":${nested(100_000, 'object')}}}`,
      { stateful: true },
    ),
    clean,
  );

  // Huge bodies: 413 before the body is buffered, with or without Content-Length.
  add(
    'huge-body',
    '50 MB with Content-Length',
    post(Buffer.alloc(50 * 1_000_000, 'x')),
    rpcError(413),
  );
  add('huge-body', '50 MB chunked', post(padding(50 * 1_000_000)), rpcError(413));
  add(
    'huge-body',
    'limit + 1 byte',
    post(Buffer.alloc(MCP_MAX_BODY_BYTES + 1, ' ')),
    rpcError(413),
  );
  add(
    'huge-body',
    'just under the limit (a call padded with whitespace: served)',
    post(Buffer.concat([Buffer.from(statusCall()), Buffer.alloc(MCP_MAX_BODY_BYTES - 200, ' ')])),
    (a) => (a.kind === 'tool-error' ? undefined : `expected a tool error, got ${describe(a)}`),
  );
  add(
    'huge-body',
    'Content-Length smaller than the body (the rest is a second, broken request)',
    sendRaw((t) => {
      const body = toolsList();
      return `${requestHead(t, `Authorization: Bearer ${t.key}\r\n`, 10)}${body}${'x'.repeat(MiB)}`;
    }),
    refusedWith(400),
  );
  add(
    'slow-body',
    'a body shorter than its Content-Length (the client stops sending)',
    sendRaw((t) => `${requestHead(t, `Authorization: Bearer ${t.key}\r\n`, 1_000)}${toolsList()}`),
    either(rpcError(408), refusedWith(408)),
    SLOW_BODY_BOUND_MS,
  );

  // Media types: 415 for a body that is not declared JSON, 406 for a client that cannot take
  // both JSON and an event stream.
  for (const type of [
    undefined,
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json-patch+json',
    'application/jsonx',
    'text/json',
    'application/json/x',
    '*/*',
  ]) {
    add(
      'content-type',
      `Content-Type ${type ?? '(none)'}`,
      post(toolsList(), { headers: { 'Content-Type': type } }),
      rpcError(415),
    );
  }
  add(
    'content-type',
    'Content-Type application/json; charset=utf-16 with a UTF-16 body',
    post(Buffer.from(toolsList(), 'utf16le'), {
      headers: { 'Content-Type': 'application/json; charset=utf-16' },
    }),
    either(rpcError(400, -32700), rpcError(415)),
  );
  add(
    'content-type',
    'Content-Type APPLICATION/JSON (case does not matter)',
    post(toolsList(), { headers: { 'Content-Type': 'APPLICATION/JSON' } }),
    answeredWithId('1'),
  );
  for (const accept of [
    undefined,
    '*/*',
    'application/json',
    'text/event-stream',
    'text/html',
    'x',
  ]) {
    add(
      'accept',
      `Accept ${accept ?? '(none)'}`,
      post(toolsList(), { headers: { Accept: accept } }),
      rpcError(406),
    );
  }
  add(
    'accept',
    'Accept text/html on an initialize (nothing is created for it)',
    post(initialize(), { headers: { Accept: 'text/html' } }),
    rpcError(406),
  );
  add(
    'content-type',
    'Content-Type text/plain on an initialize (nothing is created for it)',
    post(initialize(), { headers: { 'Content-Type': 'text/plain' } }),
    rpcError(415),
  );

  // Methods: -32601 for what the server does not serve (HTTP 200, the error in the stream).
  for (const method of [
    'foo',
    '',
    ' tools/list',
    'tools/call2',
    'rpc.discover',
    'TOOLS/LIST',
    '../tools/list',
    'x'.repeat(MiB),
  ]) {
    add(
      'unknown-method',
      `method ${JSON.stringify(method).slice(0, 40)}`,
      post(rpc({ id: 7, method })),
      rpcError(200, -32601),
    );
  }
  add(
    'unknown-method',
    'initialize again on an initialized MCP session',
    post(initialize(), { stateful: true }),
    rpcError(400, -32600),
  );
  add(
    'unknown-method',
    'unknown method on the MCP session',
    post(rpc({ id: 8, method: 'sampling/createMessage', params: {} }), { stateful: true }),
    either(rpcError(200, -32601), rpcError(200, -32600)),
  );

  // Notifications carrying ids are requests for methods the server does not serve.
  for (const method of [
    'notifications/initialized',
    'notifications/cancelled',
    'notifications/progress',
  ]) {
    add(
      'notification-with-id',
      `${method} with an id`,
      post(rpc({ id: 9, method, params: { requestId: 1, progressToken: 1, progress: 1 } }), {
        stateful: true,
      }),
      either(rpcError(200, -32601), rpcError(200, -32602)),
    );
  }
  add(
    'notification-with-id',
    'a notification only (no id): 202',
    post(rpc({ method: 'notifications/initialized' }), { stateful: true }),
    accepted,
  );
  add(
    'notification-with-id',
    'a response nobody asked for',
    post(rpc({ id: 123, result: {} }), { stateful: true }),
    either(accepted, rpcError(400, -32700)),
  );

  // Ids of every JSON type: strings and safe integers are echoed (the SDK's RequestId); fractions
  // (JSON-RPC: "SHOULD NOT"), unsafe integers and anything else make no request: 400.
  for (const id of [
    '',
    'x',
    'é😀\u202e',
    'y'.repeat(100_000),
    0,
    -1,
    -0,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
  ]) {
    add(
      'id-types',
      `id ${JSON.stringify(id).slice(0, 30)}`,
      post(toolsList(id)),
      answeredWithId(JSON.stringify(id)),
    );
  }
  for (const raw of [
    '1.5',
    '-5e-324',
    '1e308',
    '9007199254740993',
    'null',
    'true',
    'false',
    '{}',
    '[]',
    '[1]',
    '{"a":1}',
    '1e999',
    '-1e999',
  ]) {
    add(
      'id-types',
      `id ${raw}`,
      post(`{"jsonrpc":"2.0","id":${raw},"method":"tools/list"}`),
      either(rpcError(400, -32700), rpcError(400, -32600), accepted),
    );
  }

  // Bearer keys: 401 for anything but a tenant's key (raw bytes for what node:http will not send).
  const unauthorized = rpcError(401);
  for (const [name, value] of [
    ['no Authorization', undefined],
    ['Bearer alone', 'Bearer'],
    ['Bearer and a space', 'Bearer '],
    ['a wrong key', 'Bearer wrong-key-0123456789abcdef'],
    ['Basic scheme', 'Basic YWNtZTphY21l'],
    ['the key twice', 'Bearer K K'],
    ['a 4 KiB key', `Bearer ${'k'.repeat(4096)}`],
    ['a key with Latin-1 characters', 'Bearer é\u00ff\u00a0'],
    ['Bearer %00', 'Bearer %00'],
  ] as const) {
    add(
      'bearer-key',
      name,
      (t, ms) =>
        post(toolsList(), {
          headers: { Authorization: value?.replace('K K', `${t.key} ${t.key}`) },
        })(t, ms),
      unauthorized,
    );
  }
  add(
    'bearer-key',
    'the key with a prefix cut off',
    (t, ms) => post(toolsList(), { headers: { Authorization: `Bearer ${t.key.slice(1)}` } })(t, ms),
    unauthorized,
  );
  add(
    'bearer-key',
    'the key plus one character',
    (t, ms) => post(toolsList(), { headers: { Authorization: `Bearer ${t.key}x` } })(t, ms),
    unauthorized,
  );
  add(
    'bearer-key',
    'a NUL inside the key (raw bytes)',
    sendRaw((t) => `${requestHead(t, `Authorization: Bearer ${t.key}\u0000x\r\n`, 2)}{}`),
    refusedWith(400, 401),
  );
  add(
    'bearer-key',
    'a 1 MiB Authorization header',
    sendRaw((t) => `${requestHead(t, `Authorization: Bearer ${'k'.repeat(MiB)}\r\n`, 2)}{}`),
    refusedWith(431, 400),
  );
  add(
    'bearer-key',
    'two Authorization headers (a wrong one first)',
    sendRaw((t) => {
      const body = toolsList();
      return `${requestHead(t, `Authorization: Bearer wrong-key-0123456789abcdef\r\nAuthorization: Bearer ${t.key}\r\n`, Buffer.byteLength(body))}${body}`;
    }),
    either(rpcError(401), refusedWith(400)),
  );

  // MCP sessions: another tenant's, or ids that are no session at all, answer 404, never serve.
  const notFound = rpcError(404, -32001);
  add(
    'foreign-mcp-session',
    "another tenant's MCP session (POST)",
    (t, ms) =>
      post(toolsList(), {
        headers: { 'Mcp-Session-Id': t.otherSession, 'Mcp-Protocol-Version': PROTOCOL_VERSION },
      })(t, ms),
    notFound,
  );
  add(
    'foreign-mcp-session',
    "another tenant's MCP session (GET with Last-Event-ID)",
    (t, ms) =>
      post('', {
        method: 'GET',
        headers: {
          'Mcp-Session-Id': t.otherSession,
          'Last-Event-ID': `${t.otherSession}_0`,
          'Content-Type': undefined,
        },
      })(t, ms),
    notFound,
  );
  add(
    'foreign-mcp-session',
    "another tenant's MCP session (DELETE: it must survive)",
    (t, ms) =>
      post('', {
        method: 'DELETE',
        headers: { 'Mcp-Session-Id': t.otherSession, 'Content-Type': undefined },
      })(t, ms),
    notFound,
  );
  add(
    'foreign-mcp-session',
    "the other tenant's key with this tenant's session",
    (t, ms) =>
      post(toolsList(), {
        headers: {
          Authorization: `Bearer ${t.otherKey}`,
          'Mcp-Session-Id': t.session,
          'Mcp-Protocol-Version': PROTOCOL_VERSION,
        },
      })(t, ms),
    notFound,
  );
  for (const id of [
    '../../etc/passwd',
    '*',
    'csb:mcp:*',
    '',
    'x'.repeat(8_000),
    '00000000-0000-0000-0000-000000000000',
    crypto.randomUUID(),
    '%2e%2e%2f',
  ]) {
    add(
      'foreign-mcp-session',
      `Mcp-Session-Id ${JSON.stringify(id).slice(0, 40)}`,
      post(toolsList(), {
        headers: { 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': PROTOCOL_VERSION },
      }),
      id === '' ? either(notFound, answeredWithId('1'), rpcError(400)) : notFound,
    );
  }
  add(
    'foreign-mcp-session',
    'own MCP session id in upper case',
    (t, ms) =>
      post(toolsList(), {
        headers: {
          'Mcp-Session-Id': t.session.toUpperCase(),
          'Mcp-Protocol-Version': PROTOCOL_VERSION,
        },
      })(t, ms),
    notFound,
  );
  add(
    'foreign-mcp-session',
    'an unsupported Mcp-Protocol-Version',
    post(toolsList(), { stateful: true, headers: { 'Mcp-Protocol-Version': '1999-01-01' } }),
    rpcError(400),
  );

  // HTTP methods other than POST/GET/DELETE, and GETs that resume nothing.
  for (const method of ['PUT', 'PATCH', 'OPTIONS']) {
    add(
      'http-method',
      method,
      post(toolsList(), { method }),
      either(rpcError(405), refusedWith(404, 405)),
    );
  }
  add(
    'http-method',
    'GET without a session',
    post('', { method: 'GET', headers: { 'Content-Type': undefined } }),
    rpcError(405),
  );
  add(
    'http-method',
    'GET with a garbled Last-Event-ID',
    post('', {
      method: 'GET',
      stateful: true,
      headers: { 'Last-Event-ID': '../../x\u00e9', 'Content-Type': undefined },
    }),
    either(rpcError(400), rpcError(404), rpcError(405), (a) =>
      a.status === 200 ? undefined : describe(a),
    ),
  );

  // Slow bodies: one that arrives slowly is served when it is complete; one that never ends is
  // refused (408) once the gateway's body deadline passes, and the connection closed.
  add(
    'slow-body',
    'a call trickling in over 1.5 s',
    post(trickle(Buffer.from(statusCall()), 30, 50)),
    (a) => (a.kind === 'tool-error' ? undefined : `expected a tool error, got ${describe(a)}`),
    1_500 + 2_000,
  );
  add(
    'slow-body',
    'a body that never ends (one byte every 200 ms)',
    post(endless(200, SLOW_BODY_BOUND_MS + 5_000)),
    either(rpcError(408), refusedWith(408)),
    SLOW_BODY_BOUND_MS,
  );
  return cases;
}

/* ------------------------------------------------------------------------------------------ */
/* Generated cases                                                                             */

const HARMLESS_BODIES = [toolsList(), statusCall(), rpc({ id: 1, method: 'ping' })];

/** Garbled bodies, odd headers, ids and methods, each only needing a clean answer. */
export function envelopeArbitrary(): fc.Arbitrary<EnvelopeCase> {
  const garbled = fc
    .tuple(
      fc.constantFrom(...HARMLESS_BODIES),
      fc.nat(),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom('cut', 'insert', 'replace'),
    )
    .map(([body, at, text, how]): EnvelopeCase => {
      const i = at % (body.length + 1);
      const mutated =
        how === 'cut'
          ? body.slice(0, i)
          : how === 'insert'
            ? body.slice(0, i) + text + body.slice(i)
            : body.slice(0, i) + text + body.slice(i + text.length);
      return {
        category: 'invalid-json',
        name: `garbled: ${JSON.stringify(mutated).slice(0, 80)}`,
        send: post(mutated),
        check: clean,
      };
    });
  const noise = fc.string({ unit: 'binary', maxLength: 200 }).map((body): EnvelopeCase => ({
    category: 'invalid-json',
    name: `noise: ${JSON.stringify(body).slice(0, 60)}`,
    send: post(body),
    check: clean,
  }));
  const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 60 });
  const header = fc
    .tuple(
      fc.constantFrom(
        'Content-Type',
        'Accept',
        'Authorization',
        'Mcp-Session-Id',
        'Mcp-Protocol-Version',
        'Last-Event-ID',
      ),
      headerValue,
      fc.boolean(),
    )
    .map(([name, value, stateful]): EnvelopeCase => {
      const category: EnvelopeCategory =
        name === 'Content-Type'
          ? 'content-type'
          : name === 'Accept'
            ? 'accept'
            : name === 'Authorization'
              ? 'bearer-key'
              : 'foreign-mcp-session';
      return {
        category,
        name: `${name}: ${JSON.stringify(value)}`,
        send: post(statusCall(), { stateful, headers: { [name]: value } }),
        check: clean,
      };
    });
  const id = fc.jsonValue({ maxDepth: 3 }).map((value): EnvelopeCase => {
    const echoed = typeof value === 'string' || Number.isSafeInteger(value);
    return {
      category: 'id-types',
      name: `id ${JSON.stringify(value).slice(0, 60)}`,
      send: post(`{"jsonrpc":"2.0","id":${JSON.stringify(value)},"method":"tools/list"}`),
      check: echoed ? answeredWithId(JSON.stringify(value)) : clean,
    };
  });
  const method = fc.string({ unit: 'binary', maxLength: 40 }).map((name): EnvelopeCase => ({
    category: 'unknown-method',
    name: `method ${JSON.stringify(name)}`,
    send: post(rpc({ id: 3, method: name })),
    check: ['ping', 'tools/list', 'initialize'].includes(name) ? clean : rpcError(200, -32601),
  }));
  const batchOf = fc.integer({ min: 0, max: 300 }).map((n): EnvelopeCase => ({
    category: 'huge-batch',
    name: `batch of ${n} calls`,
    send: post(batch(n, (i) => statusCall(i))),
    // Up to 100 messages are served (here: each a "not found"); more are refused whole.
    check:
      n === 0
        ? either(accepted, rpcError(400, -32600))
        : n <= 100
          ? (a) =>
              a.kind === 'tool-error' ? undefined : `expected tool errors, got ${describe(a)}`
          : rpcError(400, -32600),
  }));
  return fc.oneof(garbled, noise, header, id, method, batchOf);
}

/* ------------------------------------------------------------------------------------------ */
/* Raw socket exchange                                                                         */

/** Writes `bytes`, reads one HTTP answer (or until the server closes), classifies it. */
export function rawExchange(url: URL, bytes: Buffer | string, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (why?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const text = Buffer.concat(chunks).toString('latin1');
      const parsed = parseHttp(text);
      if (!parsed) {
        return resolve({
          status: 0,
          ms,
          kind: 'failure',
          failure: why ?? `no HTTP answer: ${JSON.stringify(text.slice(0, 100))}`,
          headers: {},
          bytes: text.length,
        });
      }
      const body = Buffer.from(parsed.body, 'latin1').toString('utf8');
      resolve({
        ...classify(parsed.status, parsed.headers, body),
        ms,
        headers: parsed.headers,
        bytes: text.length,
      });
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const parsed = parseHttp(Buffer.concat(chunks).toString('latin1'));
      if (parsed?.complete) finish();
    });
    socket.once('error', () => finish());
    socket.once('close', () => finish());
    socket.write(bytes);
  });
}

function parseHttp(
  text: string,
):
  { status: number; headers: Record<string, string>; body: string; complete: boolean } | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = text.slice(end + 4);
  let complete: boolean;
  if (headers['transfer-encoding']?.includes('chunked')) {
    const decoded = dechunk(body);
    complete = decoded !== undefined;
    body = decoded ?? '';
  } else if (headers['content-length'] !== undefined) {
    complete = body.length >= Number(headers['content-length']);
  } else {
    complete = false; // until the server closes
  }
  return { status, headers, body, complete };
}

function dechunk(body: string): string | undefined {
  let out = '';
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(body.slice(at, lineEnd), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return out;
    if (body.length < lineEnd + 2 + size + 2) return undefined;
    out += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
