import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * Reads pids line by line; when its stdin closes it SIGKILLs the last pid and removes the dir.
 * Our process holds the only write end, so stdin closes when we exit by any means, even SIGKILL
 * (jest force-exiting a worker), which no 'exit' hook survives. INT/HUP are ignored so Ctrl-C
 * of the whole process group can't take the watchdog down before it has cleaned up.
 */
const SCRIPT = [
  'trap "" INT HUP',
  'pid=-',
  'while IFS= read -r line; do pid=$line; done',
  'case "$pid" in ""|*[!0-9]*) ;; *) kill -9 "$pid" 2>/dev/null ;; esac',
  'rm -rf -- "$1"',
].join('\n');

/** Cleans up after a test that never called close(): kills the tracked child and deletes its temp dir. */
export class Watchdog {
  private constructor(
    private readonly child: ChildProcess,
    private readonly stdin: Writable,
  ) {}

  /** Undefined where there is no POSIX shell (Windows): cleanup then relies on close() alone. */
  static spawn(dir: string): Watchdog | undefined {
    if (process.platform === 'win32') return undefined;
    const child = spawn('sh', ['-c', SCRIPT, 'test-service-watchdog', dir], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const stdin = child.stdin as Writable & { unref?: () => void };
    // A dead watchdog must not crash the test run with EPIPE; it only loses the safety net.
    stdin.on('error', () => undefined);
    child.on('error', () => undefined);
    // Neither may keep the test process alive: the watchdog exists for when we are gone.
    stdin.unref?.();
    child.unref();
    return new Watchdog(child, stdin);
  }

  /** The process to kill if we die; undefined once it has exited on its own. */
  track(pid: number | undefined): void {
    if (!this.stdin.writable) return;
    this.stdin.write(`${pid ?? '-'}\n`);
  }

  /** Normal teardown: nothing left to kill; the watchdog exits (removing the dir, already gone). */
  release(): void {
    if (!this.stdin.writable) return;
    this.stdin.end('-\n');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
}
