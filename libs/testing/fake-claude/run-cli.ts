import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { CliSandbox } from '../src/messages-stub/run-claude';

/** The simulator entry, usable as CLAUDE_BIN. */
export const FAKE_CLAUDE_BIN = resolve(__dirname, 'fake-claude.cjs');

export type CliMessage = Record<string, unknown> & { type?: string; subtype?: string };

/** Private HOME, CLAUDE_CONFIG_DIR and cwd: the same helper the real-CLI tests use. */
export { makeCliSandbox as makeSandbox } from '../src/messages-stub/run-claude';
export type { CliSandbox };

export interface RunCliOptions {
  bin: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /**
   * Stream-json stdin lines. A string is sent as a user message, `{ raw }` as that exact text,
   * any other object as its JSON.
   * Each user message waits for the previous turn's `result`; stdin closes after the last result
   * unless `keepStdinOpen`. `undefined` means stdin is /dev/null-like (closed at once).
   */
  input?: Array<string | Record<string, unknown>>;
  keepStdinOpen?: boolean;
  timeoutMs?: number;
  /** Called for every complete stdout line as it arrives (for tests that react mid-stream). */
  onLine?: (line: string, child: ChildProcess) => void;
}

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** stdout lines starting with `{` that parse as JSON. */
  messages: CliMessage[];
  /** Whether the run hit `timeoutMs` and was SIGKILLed. */
  timedOut: boolean;
}

function encodeInput(item: string | Record<string, unknown>): string {
  if (typeof item === 'object' && typeof item.raw === 'string') return `${item.raw}\n`;
  const line =
    typeof item === 'string' ? { type: 'user', message: { role: 'user', content: item } } : item;
  return `${JSON.stringify(line)}\n`;
}

export function parseMessages(stdout: string): CliMessage[] {
  const out: CliMessage[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as CliMessage);
    } catch {
      // torn or deliberately malformed line
    }
  }
  return out;
}

/**
 * Spawns a CLI (real or simulated) with an argument array, no shell, and drives stream-json
 * input turn by turn: the next user line is written after each `result`.
 */
export function runCli(options: RunCliOptions): Promise<CliRun> {
  const child = spawn(options.bin, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pending = [...(options.input ?? [])];
  let stdout = '';
  let stderr = '';
  let partial = '';
  let timedOut = false;
  const sendUntilUser = () => {
    while (pending.length > 0) {
      const item = pending.shift() as string | Record<string, unknown>;
      child.stdin.write(encodeInput(item));
      if (typeof item === 'string' || item.type === 'user') return;
    }
    if (!options.keepStdinOpen) child.stdin.end();
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      options.onLine?.(line, child);
      if (line.startsWith('{') && line.includes('"type":"result"')) sendUntilUser();
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined); // the process may exit before reading everything
  sendUntilUser();
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 30_000);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolvePromise({
        stdout,
        stderr,
        exitCode,
        signal,
        messages: parseMessages(stdout),
        timedOut,
      });
    });
  });
}

/** A minimal environment for the simulator in a sandbox (nothing inherited but PATH). */
export function fakeClaudeEnv(
  sandbox: CliSandbox,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: sandbox.home,
    CLAUDE_CONFIG_DIR: sandbox.configDir,
    ...extra,
  };
}

/** The stream-json shape the SDKs use (shape B), with -p as the recorder passes it. */
export const STREAM_ARGS = [
  '-p',
  '--input-format',
  'stream-json',
  '--output-format',
  'stream-json',
  '--verbose',
];
