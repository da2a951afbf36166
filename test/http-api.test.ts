/**
 * /api/v1 end to end: plain HTTP → gateway → BullMQ on a real Redis → worker → the real claude
 * CLI against the Messages API stub, checkpoints in an S3-protocol server; events back as
 * Server-Sent Events read by a standard EventSource client, across gateway replicas. The routes
 * come from the served OpenAPI document, and the last test fails if one was not exercised.
 */
import { randomUUID } from 'node:crypto';
import { validate } from '@readme/openapi-parser';
import { endsTurn, followEvents, type ApiRequest } from './support/http-api-client';
import {
  bash,
  EVENTS,
  startApiStack,
  until,
  type ApiErrorBody,
  type ApiStack,
  type OpenApi,
  type Turn,
} from './support/http-api-stack';

let stack: ApiStack;
let api: ApiStack['api'];
let document: OpenApi;

beforeAll(async () => {
  stack = await startApiStack();
  ({ api, document } = stack);
}, 60_000);

afterAll(() => stack?.close());

beforeEach(() => stack.stub.reset());

/** The served document as the validator takes it (a copy: the validator dereferences in place). */
const asApiDocument = (doc: OpenApi) =>
  structuredClone(doc) as unknown as Parameters<typeof validate>[0];

it('serves an OpenAPI 3.1 document without a key, valid by an OpenAPI validator', async () => {
  const res = await api.call('GET', '/openapi.json', { tenant: null });
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-powered-by')).toBeNull();
  expect(document.openapi).toBe('3.1.0');
  const result = await validate(asApiDocument(document));
  expect(result.valid ? [] : result.errors).toEqual([]);
  expect(result.warnings).toEqual([]);
  // The validator does reject: the same document with an operation's path parameter undeclared.
  const broken = structuredClone(document);
  delete broken.paths['/sessions/{sessionId}'].get.parameters;
  expect((await validate(asApiDocument(broken))).valid).toBe(false);
  expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/sessions', EVENTS]));
});

it('takes keys only from the Authorization header: none, a wrong one or one in the URL is 401', async () => {
  const refusals = [
    await api.call<ApiErrorBody>('GET', '/sessions', { tenant: null }),
    await api.call<ApiErrorBody>('GET', '/sessions', {
      tenant: null,
      query: { access_token: api.keys.acme },
    }),
    await api.call<ApiErrorBody>('GET', '/sessions', {
      tenant: null,
      headers: { authorization: 'Bearer not-a-key-of-this-gateway' },
    }),
  ];
  for (const res of refusals) {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.body.error.code).toBe('Unauthorized');
  }
  expect(refusals[0].body.error.message).toContain('Authorization: Bearer <API key>');
});

it('runs a session: start on a seed, list, read, send, follow with ?after, checkpoints, workspace', async () => {
  stack.stub.enqueue(bash('echo changed > notes.txt'), { text: 'Edited.' });
  const started = await api.call<Turn>('POST', '/sessions', {
    body: {
      prompt: 'Edit the notes.',
      workspace: { files: [{ path: 'notes.txt', content: 'original\n' }] },
      allowedTools: ['Bash'],
      wait: true,
    },
  });
  expect(started.status).toBe(201);
  const { sessionId } = started.body;
  expect(started.headers.get('location')).toBe(`/api/v1/sessions/${sessionId}`);
  expect(started.body).toMatchObject({ status: 'idle', result: { result: 'Edited.' } });

  const read = await api.call<{ status: string; turns: number }>('GET', '/sessions/{sessionId}', {
    params: { sessionId },
  });
  expect(read.body).toMatchObject({ status: 'idle', turns: 1 });

  stack.stub.enqueue(bash('echo more >> notes.txt'), { text: 'Appended.' });
  const sent = await api.call<Turn>('POST', '/sessions/{sessionId}/messages', {
    params: { sessionId },
    body: { message: 'Append to the notes.' },
  });
  expect(sent.status).toBe(202);
  expect(sent.body).toMatchObject({ status: 'queued', turn: 2 });
  const cursor = String(sent.body.events);
  const feed = followEvents(
    () => stack.eventsUrl(sessionId, 1, { after: cursor }),
    api.authorization('acme'),
  );
  await until(feed, 'turn 2 to end', (f) => f.events.some((e) => endsTurn(e, 2)));
  feed.source.close();
  expect(feed.events[0].seq).toBe(Number(cursor.split('-')[1]) + 1);
  expect(feed.events.every((e) => e.turn === 2)).toBe(true);

  const { body: listed } = await api.call<{
    checkpoints: Array<{ checkpointId: string; turn: number }>;
  }>('GET', '/sessions/{sessionId}/checkpoints', { params: { sessionId } });
  expect(listed.checkpoints.map((c) => c.turn)).toEqual([1, 2]);
  const [first, second] = listed.checkpoints.map((c) => c.checkpointId);
  const labelled = await api.call<{ checkpointId: string }>(
    'POST',
    '/sessions/{sessionId}/checkpoints',
    {
      params: { sessionId },
      body: { label: 'after two turns' },
    },
  );
  expect(labelled.status).toBe(201);
  expect(labelled.body.checkpointId).toMatch(/^[0-9a-f]{64}$/);

  const tree = await api.call<{ entries: Array<{ path: string }> }>(
    'GET',
    '/sessions/{sessionId}/workspace/tree',
    {
      params: { sessionId },
    },
  );
  expect(tree.body.entries.map((e) => e.path)).toContain('notes.txt');
  const file = await api.call<{ content: string; encoding: string }>(
    'GET',
    '/sessions/{sessionId}/workspace/file',
    {
      params: { sessionId },
      query: { path: 'notes.txt', checkpointId: first, offset: 0, length: 7 },
    },
  );
  expect(file.body).toMatchObject({ content: 'changed', encoding: 'utf8' });
  const diff = await api.call<{ diff: string; files: Array<{ path: string; change: string }> }>(
    'GET',
    '/sessions/{sessionId}/workspace/diff',
    { params: { sessionId }, query: { from: first, to: second } },
  );
  expect(diff.body.files).toEqual([{ path: 'notes.txt', change: 'modified' }]);
  expect(diff.body.diff).toContain('+more');
});

it('lists sessions newest first, a page at a time, and only the caller’s', async () => {
  const mine = await api.call<Turn>('POST', '/sessions', { body: { prompt: 'Another one.' } });
  await stack.settled(mine.body.sessionId);
  const page = await api.call<{ sessions: Array<{ sessionId: string }>; next?: string }>(
    'GET',
    '/sessions',
    {
      query: { limit: 1 },
    },
  );
  expect(page.body.sessions.map((s) => s.sessionId)).toEqual([mine.body.sessionId]);
  expect(page.body.next).toBeDefined();
  const more = await api.call<{ sessions: Array<{ sessionId: string }> }>('GET', '/sessions', {
    query: { limit: 1, cursor: String(page.body.next) },
  });
  expect(more.body.sessions).toHaveLength(1);
  expect(more.body.sessions[0].sessionId).not.toBe(mine.body.sessionId);
  const theirs = await api.call<{ sessions: unknown[] }>('GET', '/sessions', { tenant: 'globex' });
  expect(theirs.body.sessions).toEqual([]);
});

it('answers a permission prompt over REST; a second answer is a conflict', async () => {
  stack.stub.enqueue(bash('echo approved > approved.txt'), { text: 'Wrote it.' });
  const started = await api.call<Turn>('POST', '/sessions', {
    body: { prompt: 'Write a file.', permissions: 'ask', wait: true },
  });
  expect(started.body).toMatchObject({ status: 'waiting', pending: { tool: 'Bash' } });
  const { sessionId } = started.body;
  const requestId = String(started.body.pending?.requestId);
  const read = await api.call<{ pending: Array<{ requestId: string }> }>(
    'GET',
    '/sessions/{sessionId}',
    {
      params: { sessionId },
    },
  );
  expect(read.body.pending.map((p) => p.requestId)).toEqual([requestId]);
  const route = '/sessions/{sessionId}/approvals/{requestId}';
  const request: ApiRequest = { params: { sessionId, requestId }, body: { decision: 'allow' } };
  const answered = await api.call<{ requestId: string; decision: string }>('POST', route, request);
  expect(answered.status).toBe(200);
  expect(answered.body).toMatchObject({ requestId, decision: 'allow' });
  const again = await api.call<ApiErrorBody>('POST', route, request);
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('ApprovalAlreadyAnswered');
  await stack.settled(sessionId);
});

it('interrupts and terminates; the ended session refuses messages and its stream closes', async () => {
  stack.stub.enqueue({
    text: Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '),
    tokenDelayMs: 200,
  });
  const started = await api.call<Turn>('POST', '/sessions', { body: { prompt: 'Talk slowly.' } });
  const { sessionId } = started.body;
  await stack.settled(sessionId, 'running');
  const interrupted = await api.call<{ outcome: string }>(
    'POST',
    '/sessions/{sessionId}/interrupt',
    {
      params: { sessionId },
    },
  );
  expect(interrupted.body.outcome).toBe('interrupted');
  const ended = await api.call('DELETE', '/sessions/{sessionId}', { params: { sessionId } });
  expect(ended.body).toEqual({ status: 'terminated' });
  const refused = await api.call<ApiErrorBody>('POST', '/sessions/{sessionId}/messages', {
    params: { sessionId },
    body: { message: 'Still there?' },
  });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('SessionClosed');

  const feed = followEvents(() => stack.eventsUrl(sessionId), api.authorization('acme'));
  await until(
    feed,
    'the stream to end and the reconnect to get 204',
    (f) => f.connections[1]?.status === 204,
  );
  expect(feed.ended).toEqual({ status: 'terminated' });
  expect(feed.events.at(-1)).toMatchObject({ kind: 'status', data: { status: 'terminated' } });
  expect(feed.connections[1].lastEventId).toBe(feed.events.at(-1)?.id);
  expect(feed.source.readyState).toBe(feed.source.CLOSED);
});

it('resumes the event stream on another replica with Last-Event-ID, each event exactly once', async () => {
  await stack.system.addGateway();
  stack.stub.enqueue({
    text: Array.from({ length: 120 }, (_, i) => `token${i}`).join(' '),
    tokenDelayMs: 30,
  });
  const { body } = await api.call<Turn>('POST', '/sessions', { body: { prompt: 'Stream a lot.' } });
  const { sessionId } = body;
  // The first connection goes to the third gateway, which then stops; the reconnect, to the second.
  const feed = followEvents(
    (attempt) => stack.eventsUrl(sessionId, attempt === 0 ? 2 : 1),
    api.authorization('acme'),
  );
  await until(feed, 'events on the third gateway', (f) => f.events.length >= 3);
  await stack.system.gateways[2].close();
  await until(feed, 'the end of the turn through the second gateway', (f) =>
    f.events.some((e) => endsTurn(e, 1)),
  );
  feed.source.close();

  const whole = followEvents(() => stack.eventsUrl(sessionId), api.authorization('acme'));
  await until(whole, 'the whole turn', (f) => f.events.some((e) => endsTurn(e, 1)));
  whole.source.close();
  const ids = feed.events.map((e) => e.id);
  expect(ids).toEqual(whole.events.map((e) => e.id));
  expect(new Set(ids).size).toBe(ids.length);
  const firstOnSecond = feed.via.indexOf(1);
  expect(firstOnSecond).toBeGreaterThan(0);
  expect(feed.connections[1]).toMatchObject({
    url: stack.eventsUrl(sessionId, 1),
    lastEventId: ids[firstOnSecond - 1],
  });
});

/** A valid request for each operation that names a session (its own arguments besides the id). */
const SAMPLES: Record<string, ApiRequest> = {
  session_status: {},
  session_terminate: {},
  session_send: { body: { message: 'Not yours.' } },
  session_interrupt: {},
  session_respond: { params: { requestId: 'req-1' }, body: { decision: 'allow' } },
  checkpoint_list: {},
  checkpoint_create: { body: { label: 'not yours' } },
  workspace_list: {},
  workspace_read: { query: { path: 'notes.txt' } },
  workspace_diff: {},
  session_events_stream: {},
};

it('answers another tenant 404 on every route that names a session, and changes nothing', async () => {
  const { body } = await api.call<Turn>('POST', '/sessions', {
    body: { prompt: 'Mine.', wait: true },
  });
  const sessionId = body.sessionId;
  const tried: string[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation.parameters?.some((p) => p.in === 'path' && p.name === 'sessionId')) continue;
      const sample = SAMPLES[operation.operationId];
      expect({ operation: operation.operationId, sample }).toEqual({
        operation: operation.operationId,
        sample: expect.anything(),
      });
      const res = await api.call<ApiErrorBody>(method.toUpperCase(), path, {
        ...sample,
        tenant: 'globex',
        params: { ...sample.params, sessionId },
      });
      expect({
        operation: operation.operationId,
        status: res.status,
        code: res.body.error?.code,
      }).toEqual({
        operation: operation.operationId,
        status: 404,
        code: 'SessionNotFound',
      });
      tried.push(operation.operationId);
    }
  }
  expect(tried.sort()).toEqual(Object.keys(SAMPLES).sort());
  const still = await api.call<{ status: string; turns: number }>('GET', '/sessions/{sessionId}', {
    params: { sessionId },
  });
  expect(still.body).toMatchObject({ status: 'idle', turns: 1 });
});

it('refuses bad input with 400 and the issues, other bodies with 415, other methods with 405', async () => {
  const bad = await api.call<ApiErrorBody>('POST', '/sessions', {
    body: { prompt: '', wait: 'yes' },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('InvalidArguments');
  expect(bad.body.error.message).toMatch(
    /^Invalid body of POST \/sessions: prompt: must not be empty; wait: /,
  );
  expect(bad.body.error.issues?.map((i) => i.path)).toEqual([['prompt'], ['wait']]);
  const sessionId = '00000000-0000-4000-8000-000000000000';
  const misplaced = await api.call<ApiErrorBody>('POST', '/sessions/{sessionId}/messages', {
    params: { sessionId },
    body: { sessionId, message: 'hi' },
  });
  expect(misplaced.status).toBe(400);
  expect(misplaced.body.error.message).toContain('sessionId');
  const notJson = await api.call<ApiErrorBody>('POST', '/sessions', {
    raw: { text: '{"prompt":', contentType: 'application/json' },
  });
  expect([notJson.status, notJson.body.error.code]).toEqual([400, 'InvalidJson']);
  const text = await api.call<ApiErrorBody>('POST', '/sessions', {
    raw: { text: 'hi', contentType: 'text/plain' },
  });
  expect(text.status).toBe(415);
  const query = await api.call<ApiErrorBody>('GET', '/sessions', { query: { limit: 'many' } });
  expect(query.status).toBe(400);
  expect(query.body.error.message).toContain('limit');
  const cursor = await api.call<ApiErrorBody>('GET', EVENTS, {
    params: { sessionId },
    headers: { 'last-event-id': 'not-a-cursor' },
  });
  expect([cursor.status, cursor.body.error.message]).toEqual([
    400,
    expect.stringContaining('Last-Event-ID'),
  ]);
  const method = await api.call<ApiErrorBody>('PUT', '/sessions', {});
  expect([method.status, method.headers.get('allow')]).toEqual([405, 'GET, POST']);
});

it('refuses a tenant over its quotas with 429 and Retry-After, nothing created', async () => {
  const first = await api.call<Turn>('POST', '/sessions', {
    tenant: 'initech',
    body: { prompt: 'One.' },
  });
  expect(first.status).toBe(201);
  const second = await api.call<ApiErrorBody>('POST', '/sessions', {
    tenant: 'initech',
    body: { prompt: 'Two.' },
  });
  expect(second.status).toBe(429);
  expect(second.headers.get('retry-after')).toBe('60'); // idle sessions hibernate after 60 s
  expect(second.body.error).toMatchObject({
    code: 'QuotaExceeded',
    quota: { quota: 'maxSessions', limit: 1 },
  });
  for (let i = 0; i < 2; i++)
    expect((await api.call('GET', '/sessions', { tenant: 'initech' })).status).toBe(200);
  const over = await api.call<ApiErrorBody & { error: { quota: { retryAfterSeconds: number } } }>(
    'GET',
    '/sessions',
    {
      tenant: 'initech',
    },
  );
  expect(over.status).toBe(429);
  expect(Number(over.headers.get('retry-after'))).toBe(over.body.error.quota.retryAfterSeconds);
  expect(over.body.error).toMatchObject({
    code: 'QuotaExceeded',
    quota: { quota: 'requestsPerMinute', limit: 4 },
  });
  expect((await api.call('GET', '/sessions', { tenant: 'globex' })).status).toBe(200);
});

it('lets an operator key read every tenant’s sessions, and change or start none', async () => {
  const theirs = await api.call<Turn>('POST', '/sessions', {
    tenant: 'globex',
    body: { prompt: 'Globex here.', wait: true },
  });
  expect(theirs.status).toBe(201);
  const id = theirs.body.sessionId;
  type Listed = { sessions: Array<{ sessionId: string; tenant: string }>; tenants: string[] };
  const all = await api.call<Listed>('GET', '/sessions', { tenant: 'operator' });
  expect(all.status).toBe(200);
  expect(all.body.tenants).toEqual(expect.arrayContaining(['acme', 'globex', 'initech']));
  expect(all.body.sessions[0]).toMatchObject({ sessionId: id, tenant: 'globex' });
  expect(new Set(all.body.sessions.map((s) => s.tenant))).toEqual(
    new Set(['acme', 'globex', 'initech']),
  );
  const one = await api.call<Listed>('GET', '/sessions', {
    tenant: 'operator',
    query: { tenant: 'globex' },
  });
  expect(one.body.sessions.map((s) => s.sessionId)).toEqual([id]);
  const read = await api.call<{ status: string }>('GET', '/sessions/{sessionId}', {
    tenant: 'operator',
    params: { sessionId: id },
  });
  expect(read).toMatchObject({ status: 200, body: { status: 'idle' } });

  // Read only: nothing changes, nothing starts; an unknown session is 404 as for anyone.
  const send = await api.call<ApiErrorBody>('POST', '/sessions/{sessionId}/messages', {
    tenant: 'operator',
    params: { sessionId: id },
    body: { message: 'from the operator' },
  });
  expect(send).toMatchObject({ status: 403, body: { error: { code: 'OperatorReadOnly' } } });
  const end = await api.call<ApiErrorBody>('DELETE', '/sessions/{sessionId}', {
    tenant: 'operator',
    params: { sessionId: id },
  });
  expect(end.status).toBe(403);
  const unknown = await api.call('GET', '/sessions/{sessionId}', {
    tenant: 'operator',
    params: { sessionId: randomUUID() },
  });
  expect(unknown.status).toBe(404);
  // A tenant key names no other tenant.
  const named = await api.call('GET', '/sessions', { query: { tenant: 'globex' } });
  expect(named.status).toBe(400);
  const after = await api.call<{ status: string; turns: number }>('GET', '/sessions/{sessionId}', {
    tenant: 'globex',
    params: { sessionId: id },
  });
  expect(after.body).toMatchObject({ status: 'idle', turns: 1 });
}, 60_000);

it('reports usage and sets a webhook over REST, each tenant its own', async () => {
  const usage = await api.call<{ total: { turns: number } }>('GET', '/usage');
  expect(usage.status).toBe(200);
  expect(usage.body.total.turns).toBeGreaterThan(0);
  const refused = await api.call<ApiErrorBody>('POST', '/webhook', {
    body: { url: 'https://10.0.0.1/hook' },
  });
  expect(refused).toMatchObject({ status: 400, body: { error: { code: 'WebhookUrlRefused' } } });
  // A public address (no DNS needed), disabled: nothing is sent from this test.
  const url = 'https://93.184.216.34/hook';
  const set = await api.call<{ secret: string }>('POST', '/webhook', {
    body: { url, enabled: false },
  });
  expect(set.status).toBe(200);
  expect(set.body.secret).toMatch(/^whsec_/);
  const log = await api.call<{ webhook: { url: string } | null }>('GET', '/webhook/deliveries');
  expect(log.body.webhook).toMatchObject({ url });
  expect(JSON.stringify(log.body)).not.toContain(set.body.secret);
  const theirs = await api.call('GET', '/webhook/deliveries', { tenant: 'globex' });
  expect(theirs.body).toMatchObject({ webhook: null });
});

it('exercised every route of the OpenAPI document', () => {
  const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
  expect(documented.length).toBeGreaterThan(10);
  expect(documented.filter((route) => !api.exercised.has(route))).toEqual([]);
});
