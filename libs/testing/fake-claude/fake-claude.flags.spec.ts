import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FAKE_CLAUDE_BIN,
  fakeClaudeEnv,
  makeSandbox,
  runCli,
  STREAM_ARGS,
  type CliSandbox,
} from './run-cli';

/**
 * Flag parsing and validation. Messages marked "2.1.331" were copied from the real CLI and are
 * also cross-checked against it by test/simulator-drift.test.ts.
 */
describe('fake-claude flags', () => {
  let sandbox: CliSandbox;
  beforeEach(() => (sandbox = makeSandbox()));
  afterEach(() => sandbox.remove());

  const run = (args: string[], input?: string[], env: Record<string, string> = {}) =>
    runCli({
      bin: FAKE_CLAUDE_BIN,
      args,
      cwd: sandbox.cwd,
      env: fakeClaudeEnv(sandbox, env),
      input,
    });
  const initOf = async (args: string[]) => {
    const r = await run([...STREAM_ARGS, ...args], ['hi']);
    expect(r.stderr).toBe('');
    return r.messages[0];
  };

  it.each([
    [
      ['-p', 'hi', '--output-format', 'stream-json'],
      'Error: When using --print, --output-format=stream-json requires --verbose',
    ],
    [
      ['-p', 'hi', '--input-format', 'stream-json'],
      'Error: --input-format=stream-json requires output-format=stream-json.',
    ],
    [
      ['-p', 'hi', '--include-partial-messages'],
      'Error: --include-partial-messages requires --print and --output-format=stream-json.',
    ],
    [[...STREAM_ARGS, '--session-id', 'nope'], 'Error: Invalid session ID. Must be a valid UUID.'],
    [
      [...STREAM_ARGS, '--continue', '--session-id', '11111111-2222-4333-8444-777777777777'],
      'Error: --session-id with --continue or --resume also needs --fork-session.',
    ],
    [[...STREAM_ARGS, '--bogus'], "error: unknown option '--bogus'"],
    [[...STREAM_ARGS, '--verbos'], "error: unknown option '--verbos'\n(Did you mean --verbose?)"],
    [[...STREAM_ARGS, '--model'], "error: option '--model <model>' argument missing"],
    [
      [...STREAM_ARGS, '--allowedTools'],
      "error: option '--allowedTools, --allowed-tools <tools...>' argument missing",
    ],
    [
      [...STREAM_ARGS, '--max-turns', 'x'],
      "error: option '--max-turns <turns>' argument 'x' is invalid. must be a number",
    ],
    [
      [...STREAM_ARGS, '--input-format=xml'],
      "error: option '--input-format <format>' argument 'xml' is invalid. Allowed choices are text, stream-json.",
    ],
    [
      [...STREAM_ARGS, '--mcp-config', 'missing.json'],
      `Error: Invalid MCP configuration:\nMCP config file not found: <cwd>/missing.json`,
    ],
  ])('%j → %s (stderr, exit 1, empty stdout)', async (args, message) => {
    const r = await run(args);
    expect(r.stderr).toBe(`${message.replace('<cwd>', sandbox.cwd)}\n`);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('prints the real version for -v and --version', async () => {
    expect((await run(['-v'])).stdout).toBe('2.1.331 (Claude Code)\n');
    expect((await run(['--version'])).stdout).toBe('2.1.331 (Claude Code)\n');
  });

  it('accepts both --flag value and --flag=value', async () => {
    expect(await initOf(['--model', 'claude-x', '--permission-mode', 'plan'])).toMatchObject({
      model: 'claude-x',
      permissionMode: 'plan',
    });
    expect(await initOf(['--model=claude-x', '--permission-mode=plan'])).toMatchObject({
      model: 'claude-x',
      permissionMode: 'plan',
    });
  });

  it('resolves the opus alias and defaults to the recorded default model', async () => {
    expect((await initOf([])).model).toBe('claude-opus-5-5');
    expect((await initOf(['--model', 'opus'])).model).toBe('claude-opus-5-5');
  });

  it('--tools restricts and --disallowedTools removes offered tools; both take comma or space lists', async () => {
    expect((await initOf(['--tools', 'Bash,Read'])).tools).toEqual(['Bash', 'Read']);
    expect((await initOf(['--tools', 'Bash', 'Read', 'Edit'])).tools).toEqual([
      'Bash',
      'Edit',
      'Read',
    ]);
    expect((await initOf(['--disallowed-tools', 'Bash'])).tools).not.toContain('Bash');
  });

  it('reports --mcp-config servers (inline JSON or file) in init', async () => {
    const file = join(sandbox.cwd, 'mcp.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { files: { command: 'x' } } }));
    const init = await initOf([
      '--strict-mcp-config',
      '--mcp-config',
      '{"mcpServers":{"inline":{"command":"y"}}}',
      file,
    ]);
    expect(init.mcp_servers).toEqual([
      { name: 'inline', status: 'connected' },
      { name: 'files', status: 'connected' },
    ]);
  });

  it('accepts the other flags the backend passes', async () => {
    const r = await run(
      [
        ...STREAM_ARGS,
        '--append-system-prompt',
        'be brief',
        '--setting-sources',
        'user,project',
        '--settings',
        '{"a":1}',
        '--allowed-tools',
        'Bash(git *)',
        'Read',
        '--no-session-persistence',
        '--max-turns=3',
      ],
      ['hi'],
    );
    expect(r.exitCode).toBe(0);
    expect(r.messages.map((m) => m.type)).toEqual(['system', 'assistant', 'result']);
  });

  it('a variadic flag swallows a following prompt, exactly like the real CLI', async () => {
    const r = await run([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--allowedTools',
      'Bash',
      'hello',
    ]);
    expect(r.stderr).toBe(
      'Error: Input must be provided either through stdin or as a prompt argument when using --print\n',
    );
    expect(r.exitCode).toBe(1);
  });

  it('runs a single prompt from the argument (shape A) and exits 1 after an error result', async () => {
    const ok = await run(['-p', 'hi', '--output-format', 'stream-json', '--verbose']);
    expect(ok.exitCode).toBe(0);
    expect(ok.messages.map((m) => m.type)).toEqual(['system', 'assistant', 'result']);
    const failed = await run([
      '-p',
      '[[fake:api_error]]',
      '--output-format',
      'stream-json',
      '--verbose',
    ]);
    expect(failed.exitCode).toBe(1);
  });

  it('prints only the result for --output-format json and text', async () => {
    const json = await run(['-p', '[[fake:text text="plain answer"]]', '--output-format', 'json']);
    expect(json.messages).toHaveLength(1);
    expect(json.messages[0]).toMatchObject({ type: 'result', result: 'plain answer' });
    const text = await run(['-p', '[[fake:text text="plain answer"]]']);
    expect(text.stdout).toBe('plain answer\n');
  });

  it('refuses an unknown FAKE_CLAUDE_SCENARIO before printing anything', async () => {
    const r = await run(STREAM_ARGS, ['hi'], { FAKE_CLAUDE_SCENARIO: 'nope' });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown FAKE_CLAUDE_SCENARIO "nope"');
  });
});
