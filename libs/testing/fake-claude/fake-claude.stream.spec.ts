import {
  FAKE_CLAUDE_BIN,
  fakeClaudeEnv,
  makeSandbox,
  runCli,
  STREAM_ARGS,
  type CliMessage,
  type CliSandbox,
} from './run-cli';

/** Shape B behaviour of the simulator: turns, directives, control requests, stamping. */
describe('fake-claude stream-json session', () => {
  let sandbox: CliSandbox;
  beforeEach(() => (sandbox = makeSandbox()));
  afterEach(() => sandbox.remove());

  const run = (
    input: Array<string | Record<string, unknown>>,
    env: Record<string, string> = {},
    args: string[] = [],
  ) =>
    runCli({
      bin: FAKE_CLAUDE_BIN,
      args: [...STREAM_ARGS, ...args],
      cwd: sandbox.cwd,
      env: fakeClaudeEnv(sandbox, env),
      input,
    });

  const kinds = (messages: CliMessage[]) =>
    messages.map((m) => [m.type, m.subtype].filter(Boolean).join('/'));
  const results = (messages: CliMessage[]) => messages.filter((m) => m.type === 'result');

  it('runs one turn per user message and exits 0 on stdin EOF', async () => {
    const r = await run(['one', 'two', 'three']);
    expect(r.exitCode).toBe(0);
    expect(kinds(r.messages)).toEqual([
      ...['system/init', 'assistant', 'result/success'],
      ...['system/init', 'assistant', 'result/success'],
      ...['system/init', 'assistant', 'result/success'],
    ]);
    expect(results(r.messages).map((m) => m.result_index)).toEqual([0, 1, 2]);
    expect(new Set(r.messages.map((m) => m.session_id)).size).toBe(1);
  });

  it('selects the scenario per message with a directive, overriding FAKE_CLAUDE_SCENARIO', async () => {
    const r = await run(
      ['[[fake:tool_use output="from directive"]] go', 'plain', '[[fake:api_error status=403]]'],
      {
        FAKE_CLAUDE_SCENARIO: 'text',
      },
    );
    const [toolTurn, textTurn, errorTurn] = results(r.messages);
    expect(toolTurn.num_turns).toBe(2);
    expect(toolTurn.result).toBe('The command printed from directive.');
    const toolResult = r.messages.find((m) => m.type === 'user') as {
      tool_use_result: { stdout: string };
    };
    expect(toolResult.tool_use_result.stdout).toBe('from directive');
    expect(textTurn.num_turns).toBe(1);
    expect(errorTurn).toMatchObject({ is_error: true, subtype: 'success', api_error_status: 403 });
    expect(r.exitCode).toBe(1); // the last result was an error, as with 2.1.331
  });

  it('takes quoted directive values and reports unknown scenario names as an error result', async () => {
    const r = await run(['[[fake:text text="hello there, world"]]', '[[fake:no_such_thing]]']);
    const [ok, unknown] = results(r.messages);
    expect(ok.result).toBe('hello there, world');
    expect(unknown).toMatchObject({
      is_error: true,
      errors: ['fake-claude: unknown scenario "no_such_thing"'],
    });
  });

  it('answers initialize and an idle interrupt', async () => {
    const r = await run([
      { type: 'control_request', request_id: 'init-1', request: { subtype: 'initialize' } },
      { type: 'control_request', request_id: 'int-1', request: { subtype: 'interrupt' } },
      'hi',
    ]);
    const responses = r.messages.filter((m) => m.type === 'control_response');
    expect(responses.map((m) => (m.response as { request_id: string }).request_id)).toEqual([
      'init-1',
      'int-1',
    ]);
    expect((responses[1].response as { response: unknown }).response).toEqual({ still_queued: [] });
    expect(results(r.messages)).toHaveLength(1);
  });

  it('aborts a slow turn on interrupt: interrupted user line and aborted_streaming result', async () => {
    let sent = false;
    const r = await runCli({
      bin: FAKE_CLAUDE_BIN,
      args: STREAM_ARGS,
      cwd: sandbox.cwd,
      env: fakeClaudeEnv(sandbox, { FAKE_CLAUDE_SCENARIO: 'slow', FAKE_CLAUDE_DELAY_MS: '500' }),
      input: ['hi'],
      onLine: (line, child) => {
        if (sent || !line.includes('"init"')) return;
        sent = true;
        child.stdin?.write(
          `${JSON.stringify({ type: 'control_request', request_id: 'i', request: { subtype: 'interrupt' } })}\n`,
        );
      },
    });
    // The interrupt lands while the answer "streams" (the per-line delay), so its text is salvaged.
    expect(kinds(r.messages)).toEqual([
      'system/init',
      'control_response',
      'assistant',
      'user',
      'result/error_during_execution',
    ]);
    expect(r.messages[2]).toMatchObject({ aborted: true });
    expect(results(r.messages)[0]).toMatchObject({
      terminal_reason: 'aborted_streaming',
      is_error: true,
    });
    expect(r.exitCode).toBe(1);
  });

  it('queues a message sent while a turn is running and runs it afterwards', async () => {
    let inits = 0;
    let resultsSeen = 0;
    const r = await runCli({
      bin: FAKE_CLAUDE_BIN,
      args: STREAM_ARGS,
      cwd: sandbox.cwd,
      env: fakeClaudeEnv(sandbox),
      input: ['[[fake:slow delay_ms=100]] first'],
      keepStdinOpen: true,
      onLine: (line, child) => {
        if (line.includes('"subtype":"init"') && ++inits === 1)
          child.stdin?.write(
            `${JSON.stringify({ type: 'user', message: { role: 'user', content: 'second' } })}\n`,
          );
        if (line.includes('"type":"result"') && ++resultsSeen === 2) child.stdin?.end();
      },
    });
    expect(kinds(r.messages)).toEqual([
      ...['system/init', 'assistant', 'result/success'],
      ...['system/init', 'assistant', 'result/success'],
    ]);
    expect(results(r.messages)[1].result).toBe('Fake reply 2. Earlier user messages: 1.');
  });

  it('stamps every line with fake_sent_at (epoch ms with a fraction) when FAKE_CLAUDE_STAMP=1', async () => {
    const before = Date.now();
    const r = await run(['hi'], { FAKE_CLAUDE_STAMP: '1' }, ['--include-partial-messages']);
    const stamps = r.messages.map((m) => m.fake_sent_at as number);
    expect(stamps.every((s) => typeof s === 'number' && s >= before && s <= Date.now())).toBe(true);
    expect(stamps.some((s) => !Number.isInteger(s))).toBe(true);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });

  it('does not stamp unless asked', async () => {
    const r = await run(['hi']);
    expect(r.messages.some((m) => 'fake_sent_at' in m)).toBe(false);
  });

  it('fails like the real CLI on a line that is not JSON and on a non-user role', async () => {
    const bad = await run([{ raw: '{oops' }]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe(
      'Error parsing streaming input line (type=unknown, 5 chars): SyntaxError\n',
    );
    const role = await run([{ type: 'user', message: { role: 'assistant', content: 'x' } }]);
    expect(role.exitCode).toBe(1);
    expect(role.stderr).toBe("Error: Expected message role 'user', got 'assistant'\n");
  });

  it('ignores unknown stdin line types', async () => {
    const r = await run([{ type: 'keep_alive' }, { type: 'future_thing', x: 1 }, 'hi']);
    expect(r.exitCode).toBe(0);
    expect(results(r.messages)).toHaveLength(1);
  });
});
