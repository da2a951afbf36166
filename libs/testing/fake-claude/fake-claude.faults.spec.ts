import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FAKE_CLAUDE_BIN,
  fakeClaudeEnv,
  makeSandbox,
  parseMessages,
  runCli,
  STREAM_ARGS,
  type CliMessage,
  type CliSandbox,
} from './run-cli';

/** The misbehaving scenarios; every test is bounded by a short timeout or an explicit kill. */
describe('fake-claude fault scenarios', () => {
  let sandbox: CliSandbox;
  beforeEach(() => (sandbox = makeSandbox()));
  afterEach(() => sandbox.remove());

  const run = (
    prompt: string,
    env: Record<string, string> = {},
    args: string[] = [],
    timeoutMs = 10_000,
  ) =>
    runCli({
      bin: FAKE_CLAUDE_BIN,
      args: [...STREAM_ARGS, ...args],
      cwd: sandbox.cwd,
      env: fakeClaudeEnv(sandbox, env),
      input: [prompt],
      timeoutMs,
    });
  const result = (messages: CliMessage[]) => messages.find((m) => m.type === 'result');

  it('crash: half a line without newline, no result, exit 1', async () => {
    const r = await run('[[fake:crash]]', {}, ['--include-partial-messages']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout.endsWith('\n')).toBe(false);
    expect(r.stdout.slice(r.stdout.lastIndexOf('\n') + 1)).toMatch(/^\{"type":"assistant",/);
    expect(result(r.messages)).toBeUndefined();
    expect(r.messages.some((m) => m.type === 'stream_event')).toBe(true);
    expect(r.stderr).toContain('simulated crash');
  });

  it('crash mode=kill: the process dies by SIGKILL', async () => {
    const r = await run('[[fake:crash mode=kill]]');
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout.endsWith('\n')).toBe(false);
  });

  it('hang: output stops before any result and the process stays alive until killed', async () => {
    const r = await run('[[fake:hang]]', {}, ['--include-partial-messages'], 800);
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(result(r.messages)).toBeUndefined();
    expect(r.messages.map((m) => m.type)).toContain('stream_event');
  });

  it('hang_after_result: the result arrives but stdin EOF does not end the process', async () => {
    const r = await run('[[fake:hang_after_result]]', {}, [], 800);
    expect(result(r.messages)).toMatchObject({ subtype: 'success' });
    expect(r.timedOut).toBe(true);
  });

  it('SIGTERM ends a hung process with 143; ignore_sigterm=1 needs SIGKILL', async () => {
    const term = async (prompt: string) => {
      const child = spawn(FAKE_CLAUDE_BIN, STREAM_ARGS, {
        cwd: sandbox.cwd,
        env: fakeClaudeEnv(sandbox),
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      child.stdin.write(
        `${JSON.stringify({ type: 'user', message: { role: 'user', content: prompt } })}\n`,
      );
      await new Promise((resolve) => child.stdout.once('data', resolve));
      child.kill('SIGTERM');
      const exit = new Promise<[number | null, string | null]>((resolve) =>
        child.on('exit', (c, s) => resolve([c, s])),
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), 500);
      const outcome = await exit;
      clearTimeout(timer);
      return outcome;
    };
    expect(await term('[[fake:hang]]')).toEqual([143, null]);
    expect(await term('[[fake:hang ignore_sigterm=1]]')).toEqual([null, 'SIGKILL']);
  });

  it('long_line: the tool result line is exactly the requested size', async () => {
    for (const bytes of [65_535, 65_536, 65_537]) {
      const r = await run(`[[fake:long_line bytes=${bytes}]]`);
      const line = r.stdout.split('\n').find((l) => l.startsWith('{"type":"user"'));
      expect(Buffer.byteLength(line ?? '')).toBe(bytes);
      expect(result(r.messages)).toMatchObject({ subtype: 'success' });
    }
  });

  it('malformed: noise, blank, CRLF, torn and unknown lines, then a result with type last', async () => {
    const r = await run('[[fake:malformed]]');
    const lines = r.stdout.split('\n');
    expect(lines).toContain('');
    expect(lines.some((l) => l.startsWith('[SandboxDebug]'))).toBe(true);
    expect(lines.some((l) => l.endsWith('\r'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('{')).length).toBeGreaterThan(r.messages.length);
    expect(r.messages.some((m) => m.type === 'future_event')).toBe(true);
    const last = lines.filter(Boolean).pop() ?? '';
    expect(last.endsWith('"type":"result"}')).toBe(true);
    expect(r.exitCode).toBe(0);
  });

  it('slow: delay_ms is applied before every line', async () => {
    const started = Date.now();
    const r = await run('[[fake:slow delay_ms=100]]');
    expect(r.messages).toHaveLength(3); // init, assistant, result
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('max_turns: keeps calling tools until the limit, then error_max_turns', async () => {
    const r = await run('[[fake:max_turns]]', {}, ['--max-turns', '2']);
    expect(result(r.messages)).toMatchObject({
      subtype: 'error_max_turns',
      is_error: true,
      num_turns: 3,
      stop_reason: 'tool_use',
      errors: ['Reached maximum number of turns (2)'],
    });
    expect(r.messages.filter((m) => m.type === 'user')).toHaveLength(2);
    expect(r.exitCode).toBe(1);
  });

  it('api_error: synthetic assistant and an is_error success result; kind=auth has no status', async () => {
    const r = await run('[[fake:api_error status=403]]');
    expect(r.messages[1]).toMatchObject({
      type: 'assistant',
      error: 'authentication_failed',
      api_error_status: 403,
    });
    expect(result(r.messages)).toMatchObject({
      subtype: 'success',
      is_error: true,
      terminal_reason: 'api_error',
    });
    const auth = await run('[[fake:api_error kind=auth]]');
    expect(result(auth.messages)).toMatchObject({
      result: 'Not logged in · Please run /login',
      api_error_status: null,
    });
  });

  it('thinking: a thinking block with thinking and signature deltas', async () => {
    const r = await run('[[fake:thinking]]', {}, ['--include-partial-messages']);
    const deltas = r.messages
      .filter((m) => m.type === 'stream_event')
      .map((m) => (m.event as { delta?: { type: string } }).delta?.type)
      .filter(Boolean);
    expect(deltas).toEqual(
      expect.arrayContaining(['thinking_delta', 'signature_delta', 'text_delta']),
    );
  });

  it('script: replays a recorded stdout verbatim', async () => {
    const file = join(sandbox.root, 'script.jsonl');
    writeFileSync(
      file,
      '{"type":"system","subtype":"init"}\n{"type":"result","subtype":"success","is_error":false}\n',
    );
    const r = await run('[[fake:script]]', { FAKE_CLAUDE_SCRIPT: file });
    expect(r.stdout).toBe(
      '{"type":"system","subtype":"init"}\n{"type":"result","subtype":"success","is_error":false}\n',
    );
  });

  it('flood: waits for drain instead of buffering while the reader is paused', async () => {
    const total = 20 * 1024 * 1024;
    const child = spawn(FAKE_CLAUDE_BIN, STREAM_ARGS, {
      cwd: sandbox.cwd,
      env: fakeClaudeEnv(sandbox, { FAKE_CLAUDE_STAMP: '1' }),
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    child.stdin.end(
      `${JSON.stringify({ type: 'user', message: { role: 'user', content: `[[fake:flood bytes=${total}]]` } })}\n`,
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stdout.pause(); // nothing is read for a while: the simulator must stall, not buffer 20 MB
    await new Promise((resolve) => setTimeout(resolve, 700));
    const resumedAt = Date.now();
    child.stdout.resume();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const messages = parseMessages(Buffer.concat(chunks).toString('utf8'));
    const early = messages.filter((m) => (m.fake_sent_at as number) < resumedAt);
    const earlyBytes = early.reduce((n, m) => n + JSON.stringify(m).length, 0);
    // Pipe buffer (64 KiB) + Node's stream buffer + one line in flight; far below the 20 MB.
    expect(earlyBytes).toBeLessThan(512 * 1024);
    const text = messages
      .filter((m) => m.type === 'assistant')
      .reduce(
        (n, m) => n + (m.message as { content: Array<{ text: string }> }).content[0].text.length,
        0,
      );
    expect(text).toBeGreaterThanOrEqual(total);
    expect(result(messages)).toMatchObject({ subtype: 'success' });
  });
});
