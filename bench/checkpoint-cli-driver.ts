/**
 * The real `claude` CLI as the benchmark drives it: spawned with an argument array and the
 * offline environment (only the stub is reachable), stdout read as JSON lines, and a way to wait
 * for a given line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import {
  claudeBinaryPath,
  offlineCliEnv,
  userLine,
  type CliSandbox,
} from '@app/testing/messages-stub';

/** The worker's flags (libs/claude buildCliArgs): stream-json in and out. */
export const STREAM_ARGS = [
  '-p',
  '--input-format=stream-json',
  '--output-format=stream-json',
  '--verbose',
];

export type CliLine = { type?: string; subtype?: string; session_id?: string } & Record<
  string,
  unknown
>;

interface Waiter {
  match: (line: CliLine) => boolean;
  resolve: (line: CliLine) => void;
}

export class CliDriver {
  private readonly waiters = new Set<Waiter>();
  /** JSON lines read from stdout so far. */
  linesSeen = 0;
  private buffered = '';
  private stderr = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    // The CLI may exit before it read everything we wrote.
    child.stdin.on('error', () => undefined);
    this.exited = once(child, 'exit').then(() => undefined);
  }

  static async start(stubUrl: string, sandbox: CliSandbox, args: string[]): Promise<CliDriver> {
    const child = spawn(claudeBinaryPath(), args, {
      cwd: sandbox.cwd,
      env: offlineCliEnv({ baseUrl: stubUrl, home: sandbox.home, configDir: sandbox.configDir }),
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group, so stop() also reaches whatever the CLI started (Bash tools).
      detached: true,
    });
    await once(child, 'spawn');
    return new CliDriver(child);
  }

  send(prompt: string): void {
    this.child.stdin.write(userLine(prompt));
  }

  /** The first line (from now on) that matches; rejects when the CLI exits or time runs out. */
  waitFor(match: (line: CliLine) => boolean, timeoutMs: number, what: string): Promise<CliLine> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`claude: no ${what} (${why}); stderr: ${this.stderr.slice(-2000)}`));
      };
      const timer = setTimeout(() => fail(`${timeoutMs} ms`), timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.add(waiter);
      void this.exited.then(() => this.waiters.has(waiter) && fail('the CLI exited'));
    });
  }

  /** Ends stdin and waits for a normal exit (the CLI flushes its transcript first). */
  async close(timeoutMs = 30_000): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL to the group: a measurement that ended at `init` has no use for the rest. */
  async stop(): Promise<void> {
    this.kill();
    await this.exited;
  }

  private kill(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }

  private onStdout(chunk: Buffer): void {
    this.buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const text = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as CliLine;
      this.linesSeen += 1;
      for (const waiter of [...this.waiters]) {
        if (!waiter.match(line)) continue;
        this.waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }
}
