/**
 * The real claude CLI (from @anthropic-ai/claude-code) driven through ClaudeProcess against the
 * local Messages API stub: no network, no mocks.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  ClaudeProcess,
  discoverClaudeBinary,
  isAssistantMessage,
  isTextBlock,
  transcriptPath,
  type ClaudeMessage,
} from '@app/claude';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { DrivenProcess, makeSessionDirs, type SessionDirs } from './support/cli-session';

const binary = discoverClaudeBinary({ path: '' });
let stub: MessagesStub;
let dirs: SessionDirs;
let env: Record<string, string>;
const running: DrivenProcess[] = [];
/** Removed after every process of the test has exited: a running CLI still writes into them. */
const cleanup: SessionDirs[] = [];

beforeAll(async () => {
  stub = await startMessagesStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.reset();
  dirs = sessionDirs();
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: stub.url,
    // Must never reach the CLI: not on the allow-list.
    REDIS_URL: 'redis://:worker-secret@127.0.0.1:6379',
  };
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.process.terminate(1000)));
  for (const d of cleanup.splice(0)) d.remove();
});

function sessionDirs(prefix?: string): SessionDirs {
  const d = makeSessionDirs(prefix);
  cleanup.push(d);
  return d;
}

async function start(flags = {}, target = dirs, extra = {}): Promise<DrivenProcess> {
  const p = await DrivenProcess.start(binary, target, env, flags, extra);
  running.push(p);
  return p;
}

const texts = (messages: ClaudeMessage[]) =>
  messages
    .filter(isAssistantMessage)
    .flatMap((m) => m.message.content.filter(isTextBlock).map((b) => b.text));

const sessionIdOf = (p: DrivenProcess) => {
  const init = p.messages().find((m) => m.type === 'system' && m.subtype === 'init');
  return String((init as { session_id?: string }).session_id);
};

describe('ClaudeProcess with the real CLI', () => {
  it('runs a text turn and exits 0 when stdin closes', async () => {
    stub.enqueue({ text: 'Hello from the stub.' });
    const p = await start();
    const result = await p.turn('Say hello.');
    expect(result).toMatchObject({ subtype: 'success', is_error: false });
    expect(texts(p.messages())).toContain('Hello from the stub.');
    p.process.closeInput();
    const exit = await p.process.exited;
    expect(exit).toMatchObject({ code: 0, signal: null, reason: 'exited' });
    expect(stub.conversationRequests()[0].messages[0]).toMatchObject({ role: 'user' });
  });

  it('runs a real Bash tool and sends its output back, with an allow-listed environment', async () => {
    stub.enqueue(
      { toolUse: { name: 'Bash', input: { command: 'echo tool-ran; env', description: 'env' } } },
      { text: 'Done.' },
    );
    const p = await start({ allowedTools: ['Bash'] });
    const result = await p.turn('Run it.');
    expect(result.is_error).toBe(false);
    const [, second] = await stub.waitForConversationRequests(2);
    const toolResult = JSON.stringify(second.messages.at(-1));
    expect(toolResult).toContain('tool-ran');
    expect(toolResult).toContain('ANTHROPIC_BASE_URL');
    expect(toolResult).not.toContain('worker-secret');
    expect(toolResult).not.toContain('REDIS_URL');
    expect(p.messages().some((m) => m.type === 'user')).toBe(true);
  });

  it('takes two turns on one process over stdin', async () => {
    stub.enqueue({ text: 'first answer' }, { text: 'second answer' });
    const p = await start();
    await p.turn('one');
    await p.turn('two');
    expect(texts(p.messages())).toEqual(['first answer', 'second answer']);
    const second = stub.conversationRequests()[1];
    expect(JSON.stringify(second.messages)).toContain('first answer');
    expect(p.process.pid).toBeGreaterThan(0);
  });

  it('streams partial-message deltas with --include-partial-messages', async () => {
    stub.enqueue({ text: 'alpha beta gamma delta' });
    const p = await start({ includePartialMessages: true });
    await p.turn('stream please');
    const deltas = p
      .messages()
      .filter((m) => m.type === 'stream_event')
      .map((m) => (m as { event: { type: string; delta?: { text?: string } } }).event)
      .filter((e) => e.type === 'content_block_delta')
      .map((e) => e.delta?.text ?? '');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('alpha beta gamma delta');
  });

  it('resumes in a fresh config dir and another working directory from a moved transcript', async () => {
    stub.enqueue({ text: 'The secret word is PLUM.' });
    const first = await start();
    await first.turn('Remember a word.');
    const sessionId = sessionIdOf(first);
    first.process.closeInput();
    await first.process.exited;

    const other = sessionDirs('rt2-');
    const from = transcriptPath(dirs.configDir, dirs.workspaceDir, sessionId);
    const to = transcriptPath(other.configDir, other.workspaceDir, sessionId);
    expect(existsSync(from)).toBe(true);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    dirs.remove(); // its process has exited

    stub.enqueue({ text: 'It was PLUM.' });
    const resumed = await start({ resume: sessionId }, other);
    await resumed.turn('What was the word?');
    const last = stub.conversationRequests().at(-1);
    const history = JSON.stringify(last?.messages);
    expect(history).toContain('Remember a word.');
    expect(history).toContain('The secret word is PLUM.');
    expect(history).toContain('What was the word?');
    expect(sessionIdOf(resumed)).toBe(sessionId);
    expect(readFileSync(to, 'utf8')).toContain('It was PLUM.');
  });

  it('reports a missing transcript as an error result and a failed exit', async () => {
    const missing = randomUUID();
    const p = await start({ resume: missing });
    await p.process.send('hello?').catch(() => undefined);
    const exit = await p.process.exited;
    await p.drained();
    const result = p.results()[0];
    expect(result).toMatchObject({ is_error: true });
    expect(JSON.stringify(result)).toContain(`No conversation found with session ID: ${missing}`);
    expect(exit.code).not.toBe(0);
  });

  it('reports an API error as a result with is_error: true', async () => {
    // 403 fails at once (400 is retried with fewer betas; 401, 429 and 5xx back off for minutes).
    stub.enqueue({ error: { status: 403, message: 'model access denied by stub' } });
    const p = await start();
    const result = await p.turn('break please');
    expect(result.is_error).toBe(true);
    expect(JSON.stringify(result)).toContain('model access denied by stub');
  });

  it('interrupts a running turn through stdin and keeps the process for the next turn', async () => {
    stub.enqueue({ text: 'word '.repeat(200), tokenDelayMs: 50 }, { text: 'after interrupt' });
    const p = await start({ includePartialMessages: true });
    await p.process.send('talk slowly');
    await p.until(() => p.messages().some((m) => m.type === 'stream_event'));
    await p.process.interrupt();
    await p.until(() => p.results().length === 1, 15_000);
    expect(p.results()[0].is_error).toBe(true);
    expect(p.process.running).toBe(true);
    const next = await p.turn('again');
    expect(next.is_error).toBe(false);
    expect(texts(p.messages())).toContain('after interrupt');
  });

  it('terminates a turn that produces no output for longer than the inactivity timeout', async () => {
    stub.enqueue({ text: 'never mind', tokenDelayMs: 60_000 });
    const p = await start({}, dirs, { inactivityTimeoutMs: 1500, killGraceMs: 500 });
    await p.process.send('hang');
    const exit = await p.process.exited;
    expect(exit.reason).toBe('inactivity_timeout');
    expect(exit.code !== 0 || exit.signal !== null).toBe(true);
  });

  it('terminate() stops the process group with SIGTERM, then SIGKILL', async () => {
    stub.enqueue({ text: 'slow', tokenDelayMs: 60_000 });
    const p = await start();
    await p.process.send('hang');
    await stub.waitForConversationRequests(1);
    const exit = await p.process.terminate(500);
    expect(exit.reason).toBe('terminated');
    expect(p.process.running).toBe(false);
    await expect(p.process.send('late')).rejects.toThrow(/no longer accepts input/);
  });

  it('captures stderr and the exit code of a CLI that refuses its arguments', async () => {
    const p = await ClaudeProcess.start({
      binary,
      workspaceDir: dirs.workspaceDir,
      configDir: dirs.configDir,
      env,
      flags: { extraArgs: ['--no-such-flag'] },
    });
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/unknown option/i);
  });
});
