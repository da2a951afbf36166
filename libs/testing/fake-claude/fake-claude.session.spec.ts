import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FAKE_CLAUDE_BIN,
  fakeClaudeEnv,
  makeSandbox,
  runCli,
  STREAM_ARGS,
  type CliRun,
  type CliSandbox,
} from './run-cli';

type Record_ = Record<string, unknown> & { type?: string; sessionId?: string };

/** Transcripts, --resume, --fork-session, --session-id, --no-session-persistence. */
describe('fake-claude sessions on disk', () => {
  let sandbox: CliSandbox;
  beforeEach(() => (sandbox = makeSandbox()));
  afterEach(() => sandbox.remove());

  const run = (prompts: string[], args: string[] = [], env: Record<string, string> = {}) =>
    runCli({
      bin: FAKE_CLAUDE_BIN,
      args: [...STREAM_ARGS, ...args],
      cwd: sandbox.cwd,
      env: fakeClaudeEnv(sandbox, env),
      input: prompts,
    });

  // makeSandbox realpaths its root, so the slug is the cwd with every non-alphanumeric as '-'.
  const projectDir = () =>
    join(sandbox.configDir, 'projects', sandbox.cwd.replace(/[^A-Za-z0-9]/g, '-'));
  const transcript = (id: string) => join(projectDir(), `${id}.jsonl`);
  const records = (id: string): Record_[] =>
    readFileSync(transcript(id), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record_);
  const sessionOf = (r: CliRun) => String(r.messages[0].session_id);
  const lastResult = (r: CliRun) => r.messages.filter((m) => m.type === 'result').pop();

  it('writes the transcript under CLAUDE_CONFIG_DIR/projects/<slug>/<id>.jsonl in the 2.1.331 record shapes', async () => {
    const r = await run(['[[fake:tool_use]] hello']);
    const id = sessionOf(r);
    const types = records(id).map((x) => x.type);
    expect(types).toEqual([
      'queue-operation',
      'queue-operation',
      'user',
      'assistant',
      'assistant',
      'user',
      'assistant',
      'last-prompt',
      'cost-state',
    ]);
    expect(records(id).every((x) => x.sessionId === id)).toBe(true);
    // Chained by uuid/parentUuid like the real file.
    const chained = records(id).filter((x) => 'uuid' in x);
    chained.slice(1).forEach((x, i) => expect(x.parentUuid).toBe(chained[i].uuid));
  });

  it('resume loads the history (the reply counts earlier user messages) and appends to the same file', async () => {
    const first = await run(['one', 'two']);
    const id = sessionOf(first);
    const before = records(id).length;
    const again = await run(['three'], [`--resume=${id}`]);
    expect(again.messages.every((m) => m.session_id === id)).toBe(true);
    expect(lastResult(again)?.result).toBe('Fake reply 1. Earlier user messages: 2.');
    expect(records(id).length).toBeGreaterThan(before);
    expect(readdirSync(projectDir())).toEqual([`${id}.jsonl`]);
  });

  it('fork-session copies history into a new id and leaves the parent untouched', async () => {
    const first = await run(['one']);
    const parent = sessionOf(first);
    const parentText = readFileSync(transcript(parent), 'utf8');
    const forked = await run(['two'], ['--resume', parent, '--fork-session']);
    const child = sessionOf(forked);
    expect(child).not.toBe(parent);
    expect(lastResult(forked)?.result).toBe('Fake reply 1. Earlier user messages: 1.');
    expect(readFileSync(transcript(parent), 'utf8')).toBe(parentText);
    expect(records(child).every((x) => !('sessionId' in x) || x.sessionId === child)).toBe(true);
    expect(records(child).filter((x) => x.type === 'user')).toHaveLength(2);
  });

  it('fork-session with --session-id uses the given id', async () => {
    const parent = sessionOf(await run(['one']));
    const wanted = '22222222-3333-4444-8555-666666666666';
    const forked = await run(
      ['two'],
      ['--resume', parent, '--fork-session', '--session-id', wanted],
    );
    expect(sessionOf(forked)).toBe(wanted);
    expect(existsSync(transcript(wanted))).toBe(true);
  });

  it('an unknown --resume id gives the real error result, stderr text and exit 1', async () => {
    const id = '11111111-2222-4333-8444-777777777777';
    const r = await run(['hi'], ['--resume', id]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`No conversation found with session ID: ${id}\n`);
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatchObject({
      type: 'result',
      subtype: 'error_during_execution',
      is_error: true,
      num_turns: 0,
      session_id: id,
      errors: [`No conversation found with session ID: ${id}`],
    });
    expect(r.messages[0]).not.toHaveProperty('result');
  });

  it('finds a session stored under another project when exactly one holds the id', async () => {
    const id = sessionOf(await run(['one']));
    const elsewhere = join(sandbox.root, 'elsewhere');
    mkdirSync(elsewhere);
    const r = await runCli({
      bin: FAKE_CLAUDE_BIN,
      args: [...STREAM_ARGS, '--resume', id],
      cwd: elsewhere,
      env: fakeClaudeEnv(sandbox),
      input: ['two'],
    });
    expect(r.exitCode).toBe(0);
    expect(lastResult(r)?.result).toBe('Fake reply 1. Earlier user messages: 1.');
  });

  it('resumes a transcript whose last line was torn by a crash', async () => {
    const crashed = await run(['[[fake:crash]]']);
    expect(crashed.exitCode).toBe(1);
    const id = sessionOf(crashed);
    expect(readFileSync(transcript(id), 'utf8').endsWith('\n')).toBe(false);
    const r = await run(['after the crash'], ['--resume', id]);
    expect(r.exitCode).toBe(0);
    expect(lastResult(r)?.result).toBe('Fake reply 1. Earlier user messages: 1.');
  });

  it('resumes a transcript written by the real CLI (recorded fixture)', async () => {
    const fixture = join(__dirname, '../../../test/fixtures/cli/multi_turn.transcript.jsonl');
    const text = readFileSync(fixture, 'utf8');
    const id = (JSON.parse(text.split('\n')[0]) as Record_).sessionId as string;
    mkdirSync(projectDir(), { recursive: true });
    writeFileSync(transcript(id), text);
    const r = await run(['third'], ['--resume', id]);
    expect(lastResult(r)?.result).toBe('Fake reply 1. Earlier user messages: 2.');
  });

  it('--session-id names a new session and refuses one already in use', async () => {
    const id = '33333333-4444-4555-8666-777777777777';
    expect(sessionOf(await run(['one'], ['--session-id', id]))).toBe(id);
    const again = await run(['two'], ['--session-id', id]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toBe(`Error: Session ID ${id} is already in use.\n`);
    expect(again.stdout).toBe('');
  });

  it('--no-session-persistence writes nothing', async () => {
    const r = await run(['one'], ['--no-session-persistence']);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(sandbox.configDir, 'projects'))).toBe(false);
  });

  it('--continue resumes the most recent session of the project', async () => {
    const id = sessionOf(await run(['one']));
    const r = await run(['two'], ['--continue']);
    expect(sessionOf(r)).toBe(id);
  });
});
