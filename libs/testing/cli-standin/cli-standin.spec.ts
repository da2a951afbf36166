/**
 * The stand-in's behaviour beyond plain replay (replay.spec.ts): flags, directives, sessions
 * across processes, interrupts, faults, stamps, and its build. Every wait is for a condition
 * (lines, exit), never a fixed sleep.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliArgs } from '@app/claude';
import { makeCliSandbox, type CliSandbox } from '../src/messages-stub';
import { buildCliStandin, CliStandinBuildError, RECORDINGS_DIR } from './build';
import { firstDifference, StandinProcess, UuidBijection } from './standin-process';

const BASE = buildCliArgs({ includePartialMessages: true });
const recording = (name: string) => readFileSync(join(RECORDINGS_DIR, `${name}.jsonl`), 'utf8');
const recordedLines = (name: string) => recording(name).split('\n').filter(Boolean);

let bin: string;
let sandbox: CliSandbox;
const running: StandinProcess[] = [];

function start(args: string[] = BASE, env: Record<string, string> = {}): StandinProcess {
  const proc = StandinProcess.start(bin, args, sandbox, env);
  running.push(proc);
  return proc;
}

function transcriptFile(sessionId: string): string {
  const slug = sandbox.cwd.replace(/[^A-Za-z0-9]/g, '-');
  return join(sandbox.configDir, 'projects', slug, `${sessionId}.jsonl`);
}

/** One whole conversation: the messages, then EOF; resolves with the exit. */
async function converse(proc: StandinProcess, ...texts: string[]) {
  for (const text of texts) proc.send(text);
  proc.end();
  return proc.exited;
}

const sessionOf = (proc: StandinProcess) => proc.messages()[0].session_id as string;
const typesOf = (proc: StandinProcess) =>
  proc
    .messages()
    .map((m) =>
      [m.type, m.subtype, (m.event as { type?: string })?.type].filter(Boolean).join(':'),
    );
const textDeltas = (lines: string[]) =>
  lines.filter((l) => l.includes('"type":"text_delta"')).length;

beforeAll(async () => {
  bin = await buildCliStandin();
});
beforeEach(() => (sandbox = makeCliSandbox('standin-')));
afterEach(async () => {
  for (const proc of running.splice(0)) {
    proc.kill();
    await proc.exited;
  }
  sandbox.remove();
});

describe('choosing what to replay', () => {
  it('replays CLI_STANDIN_RECORDING by default and a directive’s recording for its message', async () => {
    const proc = start(BASE, { CLI_STANDIN_RECORDING: 'multi_turn' });
    const exit = await converse(
      proc,
      'no directive',
      'text [[standin recording=long_text]] anywhere in the message',
    );
    expect(exit).toEqual({ code: 0, signal: null });
    const results = proc.messages().filter((m) => m.type === 'result');
    expect(results.map((r) => r.result)).toEqual([
      'First answer.',
      Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '),
    ]);
  });

  it('finds the directive in content blocks too, and refuses a bad recording name', async () => {
    const proc = start();
    proc.write({
      type: 'user',
      message: {
        role: 'user',
        content: [{ type: 'text', text: '[[standin recording=api_error]]' }],
      },
    });
    await proc.waitForType('result');
    expect(proc.messages().at(-1)).toMatchObject({ is_error: true, api_error_status: 403 });
    proc.send('[[standin recording=../secrets]]');
    expect(await proc.exited).toEqual({ code: 2, signal: null });
    expect(proc.stderr).toContain('bad recording name: ../secrets');
  });

  it('fails at start when the default recording does not exist', async () => {
    const proc = start(BASE, { CLI_STANDIN_RECORDING: 'no_such_recording' });
    expect(await converse(proc, 'hi')).toEqual({ code: 2, signal: null });
    expect(proc.stderr).toContain('no_such_recording.jsonl: No such file or directory');
    expect(proc.lines).toEqual([]);
  });

  it('accepts --flag value and --flag=value, ignores flags it does not know; --session-id names the session', async () => {
    const id = randomUUID();
    const args = [
      '-p',
      '--input-format',
      'stream-json',
      '--output-format=stream-json',
      '--verbose',
      '--model',
      'claude-x',
      '--max-turns=3',
      '--no-such-flag',
      '--allowedTools',
      'Bash(git diff *)',
      '--settings={"a":"b c"}',
      '--session-id',
      id,
    ];
    const proc = start(args);
    expect(await converse(proc, 'hi')).toEqual({ code: 0, signal: null });
    expect(sessionOf(proc)).toBe(id);
    expect(existsSync(transcriptFile(id))).toBe(true);
  });
});

describe('sessions across processes', () => {
  it('resumes in a second process the transcript the first one wrote', async () => {
    const first = start();
    await converse(first, 'one');
    const id = sessionOf(first);
    const before = readFileSync(transcriptFile(id), 'utf8');
    const perTurn = readFileSync(join(RECORDINGS_DIR, 'text.transcript.jsonl'), 'utf8');

    const second = start([...BASE, `--resume=${id}`]);
    expect(await converse(second, 'two')).toEqual({ code: 0, signal: null });
    expect(second.messages().every((m) => m.session_id === undefined || m.session_id === id)).toBe(
      true,
    );
    const after = readFileSync(transcriptFile(id), 'utf8');
    expect(after.startsWith(before)).toBe(true);
    const added = after.slice(before.length);
    expect(added.split('\n').length).toBe(perTurn.split('\n').length);
    expect(added).toContain(`"sessionId":"${id}"`);
  });

  it('fails a resume of an unknown id at start-up, as the real CLI does', async () => {
    const id = randomUUID();
    const proc = start([...BASE, '--resume', id]); // stdin stays open: no message needed
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(proc.messages()).toEqual([
      expect.objectContaining({
        type: 'result',
        is_error: true,
        session_id: id,
        errors: [`No conversation found with session ID: ${id}`],
      }),
    ]);
    expect(proc.stderr).toBe(`No conversation found with session ID: ${id}\n`);
  });

  it('forks: --resume with --fork-session copies the transcript to a new session id', async () => {
    const first = start();
    await converse(first, 'one');
    const id = sessionOf(first);
    const original = readFileSync(transcriptFile(id), 'utf8');

    const fork = start([...BASE, '--resume', id, '--fork-session']);
    expect(await converse(fork, 'two')).toEqual({ code: 0, signal: null });
    const forkId = sessionOf(fork);
    expect(forkId).not.toBe(id);
    expect(readFileSync(transcriptFile(id), 'utf8')).toBe(original);
    const copied = readFileSync(transcriptFile(forkId), 'utf8');
    expect(copied.startsWith(original.replaceAll(id, forkId))).toBe(true);
    expect(copied).not.toContain(id);
  });

  it('cycles a multi-turn recording: the k-th turn replays segment k, fresh ids each pass', async () => {
    const proc = start(BASE, { CLI_STANDIN_RECORDING: 'multi_turn' });
    await converse(proc, 'a', 'b', 'c');
    const results = proc.messages().filter((m) => m.type === 'result');
    expect(results.map((r) => r.result)).toEqual([
      'First answer.',
      'Second answer.',
      'First answer.',
    ]);
    const uuids = proc
      .messages()
      .map((m) => m.uuid)
      .filter(Boolean);
    expect(new Set(uuids).size).toBe(uuids.length);
    expect(new Set(proc.messages().map((m) => m.session_id)).size).toBe(1);
  });
});

describe('control requests', () => {
  it('interrupts a paced turn mid-stream and ends it as the real CLI did', async () => {
    const proc = start();
    proc.send('[[standin recording=long_text pace_ms=20]] go');
    await proc.waitFor((lines) => textDeltas(lines) >= 3, '3 text deltas');
    proc.write({
      type: 'control_request',
      request_id: 'interrupt-1',
      request: { subtype: 'interrupt' },
    });
    await proc.waitForType('result');
    expect(textDeltas(proc.lines)).toBeLessThan(20);

    const recorded = recordedLines('interrupt');
    const control = recorded.findIndex((l) => l.includes('"control_response"'));
    const at = proc.lines.findIndex((l) => l.includes('"control_response"'));
    // From the control_response on, the output is the interrupt recording's ending.
    const ids = new UuidBijection();
    const tail = recorded.slice(control).join('\n');
    expect(
      firstDifference('interrupt.jsonl (tail)', tail, proc.lines.slice(at).join('\n'), ids),
    ).toBeUndefined();
    expect(proc.messages().at(-1)).toMatchObject({
      subtype: 'error_during_execution',
      is_error: true,
    });

    // The process goes on with the next message; exit 0 after a good last turn.
    expect(await converse(proc, 'next')).toEqual({ code: 0, signal: null });
    expect(proc.messages().at(-1)).toMatchObject({ type: 'result', is_error: false });
  });

  it('answers other control requests with success, also when idle, and an idle interrupt too', async () => {
    const proc = start();
    proc.write({
      type: 'control_request',
      request_id: 'r1',
      request: { subtype: 'set_permission_mode', mode: 'plan' },
    });
    proc.write({ type: 'control_request', request_id: 'r2', request: { subtype: 'interrupt' } });
    await proc.waitForType('control_response', 2);
    expect(proc.messages()).toEqual([
      { type: 'control_response', response: { subtype: 'success', request_id: 'r1' } },
      {
        type: 'control_response',
        response: { subtype: 'success', request_id: 'r2', response: { still_queued: [] } },
      },
    ]);
    expect(await converse(proc)).toEqual({ code: 0, signal: null });
  });
});

describe('faults', () => {
  it('crash after N lines: the process dies abruptly', async () => {
    const proc = start();
    proc.send('[[standin recording=long_text fault=crash after=2]]');
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(proc.lines).toHaveLength(2);
  });

  it('hang after N lines: stops writing, still reads stdin, stays alive', async () => {
    const proc = start();
    proc.send('[[standin recording=long_text fault=hang after=2]]');
    await proc.waitFor((lines) => lines.length >= 2, '2 lines');
    // Far more than a pipe holds: the last write completes only if the stand-in keeps reading.
    const ping = `${JSON.stringify({ type: 'keep_alive', padding: 'x'.repeat(1000) })}\n`;
    for (let i = 0; i < 999; i++) proc.child.stdin.write(ping);
    await new Promise<void>((resolve) => proc.child.stdin.write(ping, () => resolve()));
    proc.write({ type: 'control_request', request_id: 'r1', request: { subtype: 'interrupt' } });
    await new Promise<void>((resolve) => proc.child.stdin.write(ping.repeat(70), () => resolve()));
    expect(proc.lines).toHaveLength(2);
    expect(proc.exit).toBeUndefined();
  });

  it('flood: one valid JSON line of N bytes, then the rest of the turn', async () => {
    const proc = start();
    expect(await converse(proc, '[[standin fault=flood bytes=3000000 after=1]]')).toEqual({
      code: 0,
      signal: null,
    });
    expect(proc.lines.map((l) => l.length)[1]).toBe(3_000_000);
    expect(typesOf(proc)).toEqual([
      'system:init',
      'system:standin_flood',
      'assistant',
      'result:success',
    ]);
  });
});

describe('stamps (CLI_STANDIN_STAMP=1)', () => {
  it('puts the wall clock (epoch ms, µs decimals) first in every line, paced, and changes nothing else', async () => {
    const pace = 3;
    const proc = start(BASE, { CLI_STANDIN_STAMP: '1' });
    const before = Date.now();
    await converse(proc, `[[standin recording=long_text pace_ms=${pace}]]`);
    const after = Date.now();
    const STAMP = /^\{"standin_sent_at":(\d+\.\d{3}),/;
    expect(proc.lines.every((l) => STAMP.test(l))).toBe(true);
    const stamps = proc.lines.map((l) => Number(STAMP.exec(l)?.[1]));
    expect(stamps[0]).toBeGreaterThanOrEqual(before - 1);
    expect(stamps.at(-1)).toBeLessThanOrEqual(after + 1);
    expect(stamps.every((s, i) => i === 0 || s >= stamps[i - 1])).toBe(true);
    // Each line is due `pace` ms after the previous one; a late line never brings the next forward.
    expect(stamps.at(-1)! - stamps[0]).toBeGreaterThanOrEqual((stamps.length - 1) * pace - 1);
    const unstamped = proc.lines.map((l) => l.replace(STAMP, '{')).join('\n');
    expect(
      firstDifference(
        'long_text.jsonl',
        recording('long_text'),
        `${unstamped}\n`,
        new UuidBijection(),
      ),
    ).toBeUndefined();
  });
});

describe('build', () => {
  it('compiles cleanly with -Werror', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'standin-build-'));
    try {
      await expect(buildCliStandin({ cacheDir, extraFlags: ['-Werror'] })).resolves.toContain(
        cacheDir,
      );
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('names the missing compiler', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'standin-build-'));
    try {
      const build = buildCliStandin({ cc: 'no-such-cc-for-standin', cacheDir });
      await expect(build).rejects.toThrow(CliStandinBuildError);
      await expect(build).rejects.toThrow(/C compiler "no-such-cc-for-standin" not found/);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
