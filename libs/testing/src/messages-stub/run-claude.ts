import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeBinaryPath, offlineCliEnv } from './cli-env';

/** Private HOME, CLAUDE_CONFIG_DIR and cwd for one CLI run; short paths keep the slug readable. */
export interface CliSandbox {
  root: string;
  home: string;
  configDir: string;
  cwd: string;
  remove(): void;
}

export function makeCliSandbox(prefix = 'cc-'): CliSandbox {
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const dirs = {
    home: join(root, 'home'),
    configDir: join(root, 'config'),
    cwd: join(root, 'work'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir);
  return { root, ...dirs, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface RunClaudeOptions {
  baseUrl: string;
  sandbox: CliSandbox;
  /** Arguments after the binary, e.g. `['-p', '--input-format', 'stream-json', ...]`. */
  args: string[];
  /** Prompts sent as stream-json user lines; each after the previous turn's `result`. */
  prompts: string[];
  /** Extra variables on top of `offlineCliEnv` (e.g. `CLAUDE_CODE_MAX_RETRIES`). */
  env?: Record<string, string>;
  timeoutMs?: number;
  binary?: string;
}

export interface ClaudeRun {
  /** Exact stdout bytes. */
  stdout: Buffer;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** stdout parsed line by line (non-JSON lines skipped). */
  messages: Array<Record<string, unknown>>;
}

export function userLine(text: string): string {
  return `${JSON.stringify({ type: 'user', message: { role: 'user', content: text } })}\n`;
}

function parseLines(stdout: Buffer): Array<Record<string, unknown>> {
  return stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Spawns the real CLI (argument array, no shell) in stream-json input mode and feeds it one
 * prompt per turn; stdin is closed after the last turn's `result` so the process exits.
 */
export function runClaude(options: RunClaudeOptions): Promise<ClaudeRun> {
  const { sandbox, prompts } = options;
  const child = spawn(options.binary ?? claudeBinaryPath(), options.args, {
    cwd: sandbox.cwd,
    env: {
      ...offlineCliEnv({
        baseUrl: options.baseUrl,
        home: sandbox.home,
        configDir: sandbox.configDir,
      }),
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let stderr = '';
  let sent = 0;
  let results = 0;
  const sendNext = () => {
    if (sent < prompts.length) child.stdin.write(userLine(prompts[sent++]));
    else child.stdin.end();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    const seen = countResults(Buffer.concat(chunks));
    while (results < seen) {
      results += 1;
      sendNext();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.on('error', () => undefined); // the CLI may exit before reading everything
  sendNext();
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(chunks);
      resolve({ stdout, stderr, exitCode, signal, messages: parseLines(stdout) });
    });
  });
}

function countResults(stdout: Buffer): number {
  return stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .filter((line) => (JSON.parse(line) as { type?: unknown }).type === 'result').length;
}
