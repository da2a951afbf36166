/**
 * Test helpers for the CLI stand-in: a spawned process whose stdout lines can be waited for,
 * and a check that output equals a recording once UUIDs are mapped back.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { CliSandbox } from '../src/messages-stub';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class StandinProcess {
  /** Complete stdout lines, without their newline. */
  readonly lines: string[] = [];
  stderr = '';
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  private partial = '';
  private readonly waiters = new Set<() => void>();

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
      this.wake();
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    child.stdin.on('error', () => undefined); // it may exit before reading everything
    this.exited = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        resolve(this.exit);
      });
    });
  }

  /** Spawns the stand-in in the sandbox's cwd with a clean environment plus `env`. */
  static start(
    bin: string,
    args: string[],
    sandbox: CliSandbox,
    env: Record<string, string> = {},
  ): StandinProcess {
    const child = spawn(bin, args, {
      cwd: sandbox.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: sandbox.home,
        CLAUDE_CONFIG_DIR: sandbox.configDir,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new StandinProcess(child);
  }

  /** One user message, as the worker writes it. */
  send(text: string): void {
    this.write({ type: 'user', message: { role: 'user', content: text } });
  }

  write(message: unknown): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  end(): void {
    this.child.stdin.end();
  }

  messages(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Resolves once `done(lines)` holds; fails if the process exits first or time runs out. */
  waitFor(done: (lines: string[]) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done(this.lines)) finish();
        else if (this.exit)
          finish(new Error(`exited (${JSON.stringify(this.exit)}) before ${what}`));
      };
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(new Error(`timed out waiting for ${what}; ${this.lines.length} lines so far`)),
        timeoutMs,
      );
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once `count` lines with this top-level `type` (and `subtype`, if given) arrived. */
  waitForType(type: string, count = 1, subtype?: string): Promise<void> {
    const matches = (line: string) => {
      const m = JSON.parse(line) as { type?: unknown; subtype?: unknown };
      return m.type === type && (subtype === undefined || m.subtype === subtype);
    };
    return this.waitFor((lines) => lines.filter(matches).length >= count, `${count}× ${type}`);
  }

  kill(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A UUID as the stand-in finds one: lower-case, not glued to other letters or digits. */
export const UUID =
  /(?<![A-Za-z0-9])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![A-Za-z0-9])/g;

/** Recorded ids ↔ the stand-in's, built up as lines are compared; each side maps to one id. */
export class UuidBijection {
  readonly forward = new Map<string, string>();
  private readonly backward = new Map<string, string>();

  /** An error text when `recorded` ↔ `actual` contradicts an earlier pair. */
  pair(recorded: string, actual: string): string | undefined {
    const f = this.forward.get(recorded);
    const b = this.backward.get(actual);
    if (f === undefined && b === undefined) {
      this.forward.set(recorded, actual);
      this.backward.set(actual, recorded);
      return undefined;
    }
    if (f === actual && b === recorded) return undefined;
    return `recorded id ${recorded} was ${f ?? '(new)'} before, here ${actual} (which was ${b ?? '(new)'})`;
  }

  /** `actual` with every known id put back to the recorded one. */
  unmap(actual: string): string {
    return actual.replace(UUID, (id) => this.backward.get(id) ?? id);
  }
}

function around(text: string, at: number): string {
  const from = Math.max(0, at - 60);
  return `${from > 0 ? '…' : ''}${text.slice(from, at + 60)}${at + 60 < text.length ? '…' : ''}`;
}

/**
 * Compares two texts line by line, ids mapped through `ids`. Returns undefined when equal, else
 * a message naming the first differing line and column, with both sides around it.
 */
export function firstDifference(
  label: string,
  recorded: string,
  actual: string,
  ids: UuidBijection,
): string | undefined {
  const want = recorded.split('\n');
  const got = actual.split('\n');
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    const where = `${label} line ${i + 1}`;
    if (want[i] === undefined) return `${where}: the stand-in printed more: ${around(got[i], 0)}`;
    if (got[i] === undefined)
      return `${where}: missing from the stand-in's output: ${around(want[i], 0)}`;
    const wantIds = want[i].match(UUID) ?? [];
    const gotIds = got[i].match(UUID) ?? [];
    const sameText = want[i].replace(UUID, '<id>') === got[i].replace(UUID, '<id>');
    const clash = sameText
      ? wantIds.map((id, k) => ids.pair(id, gotIds[k])).find((e) => e !== undefined)
      : undefined;
    if (sameText && clash === undefined) continue;
    const unmapped = ids.unmap(got[i]);
    let col = 0;
    while (col < want[i].length && want[i][col] === unmapped[col]) col++;
    return (
      `${where}, column ${col + 1}${clash ? ` (${clash})` : ''}:\n` +
      `  recorded: ${around(want[i], col)}\n  stand-in: ${around(unmapped, col)}`
    );
  }
  return undefined;
}
