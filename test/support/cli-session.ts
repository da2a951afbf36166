import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClaudeProcess,
  isResultMessage,
  type ClaudeFlags,
  type ClaudeMessage,
  type ClaudeProcessOptions,
  type ParsedLine,
  type ResultMessage,
} from '@app/claude';

/**
 * Short private directories per test: a workspace, a config dir and a HOME. remove() only once
 * every process using them has exited (terminate, then remove): a CLI still running writes into
 * them while they are deleted (ENOTEMPTY).
 */
export interface SessionDirs {
  root: string;
  workspaceDir: string;
  configDir: string;
  home: string;
  remove(): void;
}

export function makeSessionDirs(prefix = 'rt-'): SessionDirs {
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return {
    root,
    workspaceDir: join(root, 'ws'),
    configDir: join(root, 'cfg'),
    home: join(root, 'home'),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A ClaudeProcess with a single reader that collects lines and lets a test await turns. */
export class DrivenProcess {
  readonly lines: ParsedLine[] = [];
  private waiters: Array<() => void> = [];
  private readonly pump: Promise<void>;
  /** stdout has ended (the process exited) and every line has been read. */
  private pumped = false;

  constructor(readonly process: ClaudeProcess) {
    this.pump = (async () => {
      for await (const line of process.lines()) {
        this.lines.push(line);
        this.wake();
      }
    })().finally(() => {
      this.pumped = true;
      this.wake();
    });
  }

  static async start(
    binary: string,
    dirs: SessionDirs,
    env: Record<string, string>,
    flags: ClaudeFlags = {},
    extra: Partial<ClaudeProcessOptions> = {},
  ): Promise<DrivenProcess> {
    const process = await ClaudeProcess.start({
      binary,
      workspaceDir: dirs.workspaceDir,
      configDir: dirs.configDir,
      env: { ...env, HOME: dirs.home },
      flags,
      ...extra,
    });
    return new DrivenProcess(process);
  }

  messages(): ClaudeMessage[] {
    return this.lines.flatMap((l) => (l.kind === 'message' ? [l.message] : []));
  }

  results(): ResultMessage[] {
    return this.messages().filter(isResultMessage);
  }

  /** Sends a message and resolves with that turn's result. */
  async turn(text: string, timeoutMs = 30_000): Promise<ResultMessage> {
    const before = this.results().length;
    await this.process.send(text);
    await this.until(() => this.results().length > before, timeoutMs);
    return this.results()[before];
  }

  /** Re-checks `predicate` after every line; fails once the output ended or at the deadline. */
  async until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.pumped) throw new Error(`process exited first; lines: ${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; lines so far: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until the reader has drained stdout after exit. */
  async drained(): Promise<void> {
    await this.pump;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private describe(): string {
    return this.messages()
      .map((m) => `${m.type}${'subtype' in m && m.subtype ? `/${String(m.subtype)}` : ''}`)
      .join(', ');
  }
}
