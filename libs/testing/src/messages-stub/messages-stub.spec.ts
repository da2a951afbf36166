import { MessagesStub } from './messages-stub';
import { joinDeltas, postMessages, readSse } from './sse-test-client';

/** Shaped like the CLI's main-loop request (tools present), so it consumes the script. */
function turn(stream = true, text = 'hi'): Record<string, unknown> {
  return {
    model: 'claude-test',
    max_tokens: 100,
    stream,
    tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
    messages: [{ role: 'user', content: text }],
  };
}

describe('MessagesStub over HTTP', () => {
  let stub: MessagesStub;
  beforeEach(async () => {
    stub = await MessagesStub.start();
  });
  afterEach(() => stub.close());

  it('streams a text reply as Anthropic SSE events split into several deltas', async () => {
    stub.enqueue({ text: 'hello from the stub' });
    const sse = await readSse(await postMessages(stub.url, turn()));
    expect(sse.headers.get('content-type')).toBe('text/event-stream');
    expect(sse.events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      ...Array(4).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(joinDeltas(sse.events, 0)).toBe('hello from the stub');
    const delta = sse.events.find((e) => e.event === 'message_delta')?.data;
    expect(delta).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: expect.any(Number) },
    });
    expect(sse.events[0].data).toMatchObject({
      message: { model: 'claude-test', role: 'assistant', content: [] },
    });
  });

  it('streams text followed by a tool_use block with input_json_delta', async () => {
    stub.enqueue({ text: 'Running.', toolUse: { name: 'Bash', input: { command: 'echo hi' } } });
    const { events } = await readSse(await postMessages(stub.url, turn()));
    const starts = events.filter((e) => e.event === 'content_block_start').map((e) => e.data);
    expect(starts).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_stub_0001', name: 'Bash', input: {} },
      },
    ]);
    expect(JSON.parse(joinDeltas(events, 1))).toEqual({ command: 'echo hi' });
    expect(events.find((e) => e.event === 'message_delta')?.data.delta).toMatchObject({
      stop_reason: 'tool_use',
    });
  });

  it('answers non-streaming requests with one message JSON', async () => {
    stub.enqueue({
      blocks: [
        { type: 'text', text: 'a' },
        { type: 'tool_use', name: 'Read', input: { p: 1 } },
      ],
    });
    const response = await postMessages(stub.url, turn(false));
    expect(await response.json()).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'text', text: 'a' },
        { type: 'tool_use', name: 'Read', input: { p: 1 } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 10 },
    });
  });

  it.each([
    [429, 'rate_limit_error', '0'],
    [529, 'overloaded_error', '0'],
    [500, 'api_error', null],
    [400, 'invalid_request_error', null],
  ])('returns HTTP %i as an Anthropic %s error', async (status, type, retryAfter) => {
    stub.enqueue({ error: { status, message: 'scripted' } });
    const response = await postMessages(stub.url, turn());
    expect(response.status).toBe(status);
    expect(response.headers.get('retry-after')).toBe(retryAfter);
    expect(await response.json()).toEqual({ type: 'error', error: { type, message: 'scripted' } });
  });

  it('sends x-should-retry when asked, so the CLI gives up at once', async () => {
    stub.enqueue({ error: { status: 529, shouldRetry: false } });
    const response = await postMessages(stub.url, turn());
    expect(response.headers.get('x-should-retry')).toBe('false');
  });

  it('cuts the connection after dropAfterEvents events', async () => {
    stub.enqueue({ text: 'one two three four five', dropAfterEvents: 4 });
    const sse = await readSse(await postMessages(stub.url, turn()));
    expect(sse.error).toBeDefined();
    expect(sse.events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
    ]);
  });

  it('waits tokenDelayMs before each delta', async () => {
    stub.enqueue({ text: 'a b c d', tokenDelayMs: 40 });
    const started = Date.now();
    const { events } = await readSse(await postMessages(stub.url, turn()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(joinDeltas(events, 0)).toBe('a b c d');
  });

  it('consumes the script in order, then falls back to the default reply', async () => {
    stub.enqueue({ text: 'first' }, (request) => ({
      text: `saw ${(request.body as { messages: unknown[] }).messages.length} message`,
    }));
    stub.setDefaultReply({ text: 'default' });
    const texts: unknown[] = [];
    for (let i = 0; i < 3; i += 1) {
      const body = (await (await postMessages(stub.url, turn(false))).json()) as {
        content: { text: string }[];
      };
      texts.push(body.content[0].text);
    }
    expect(texts).toEqual(['first', 'saw 1 message', 'default']);
    expect(stub.pendingReplies()).toBe(0);
  });

  it('answers helper calls without touching the script', async () => {
    stub.enqueue({ text: 'scripted' });
    const helper = {
      model: 'claude-test',
      max_tokens: 50,
      tools: [],
      messages: [{ role: 'user', content: 'name this' }],
      output_config: {
        format: {
          type: 'json_schema',
          schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
      },
    };
    const body = (await (await postMessages(stub.url, helper)).json()) as {
      content: { text: string }[];
    };
    expect(JSON.parse(body.content[0].text)).toEqual({ name: 'stub' });
    expect(stub.pendingReplies()).toBe(1);
    expect(stub.requests().map((r) => r.kind)).toEqual(['auxiliary']);
  });

  it('routes compaction requests to a summary reply', async () => {
    stub.enqueue({ text: 'scripted' });
    const compact = turn(false, 'CRITICAL: Respond with TEXT ONLY. Do NOT call any tools.');
    const body = (await (await postMessages(stub.url, compact)).json()) as {
      content: { text: string }[];
    };
    expect(body.content[0].text).toContain('<summary>');
    expect(stub.requests()[0].kind).toBe('compaction');
    expect(stub.pendingReplies()).toBe(1);
  });

  it('records requests with parsed bodies and redacted secrets', async () => {
    await (await postMessages(stub.url, turn(false, 'remember me'))).json();
    const [recorded] = stub.requests();
    expect(recorded).toMatchObject({
      method: 'POST',
      path: '/v1/messages',
      query: 'beta=true',
      kind: 'conversation',
    });
    expect(recorded.headers['x-api-key']).toBe('[redacted]');
    expect(stub.conversationRequests()[0].messages).toEqual([
      { role: 'user', content: 'remember me' },
    ]);
    await expect(stub.waitForConversationRequests(1, 100)).resolves.toHaveLength(1);
    await expect(stub.waitForConversationRequests(2, 50)).rejects.toThrow('timed out');
  });

  it('serves count_tokens and a 404 Anthropic error elsewhere', async () => {
    const counted = await postMessages(stub.url, turn(false), '/v1/messages/count_tokens');
    expect(await counted.json()).toEqual({ input_tokens: expect.any(Number) });
    const missing = await fetch(`${stub.url}/v1/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error' },
    });
    expect(stub.requests().map((r) => r.kind)).toEqual(['count_tokens', 'other']);
  });

  it('close() ends streams that are still open', async () => {
    stub.enqueue({ text: 'slow '.repeat(50), tokenDelayMs: 1_000 });
    // Its headers are in, so the stream is open (and the stub waits between tokens).
    const reading = readSse(await postMessages(stub.url, turn()));
    const started = Date.now();
    await stub.close();
    const sse = await reading;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sse.error).toBeDefined();
    expect(sse.events.some((e) => e.event === 'message_stop')).toBe(false);
  });
});
