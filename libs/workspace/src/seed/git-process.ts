import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { killGroup, trackChild } from '@app/claude/process-registry';
import { SeedRejected } from './errors';
import { redactUrl } from './git-url';

export interface GitRun {
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Epoch ms by which every git command of the seed must be done. */
  deadline: number;
  timeoutMs: number;
  /** What runs, for messages: `git clone of https://… (ref main)`. */
  describe: string;
  signal?: AbortSignal;
  /** Polled every second while git runs; a throw kills git and becomes the result. */
  watch?: () => Promise<unknown>;
}

const STDERR_CHARS = 2000;
const WATCH_INTERVAL_MS = 1000;

/**
 * Runs one git command, never through a shell, in its own process group so that a timeout,
 * an abort or a watch failure kills git and the helpers it started (remote-https, index-pack).
 */
export async function runGit(run: GitRun): Promise<void> {
  run.signal?.throwIfAborted();
  const child = spawn('git', run.args, {
    env: run.env,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  trackChild(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr = (stderr + text).slice(-STDERR_CHARS * 2)));

  let stopped: { error: unknown } | undefined;
  const stop = (error: unknown): void => {
    if (stopped) return;
    stopped = { error };
    killGroup(child, 'SIGKILL');
  };
  const timer = setTimeout(
    () =>
      stop(
        new SeedRejected(
          'git_timeout',
          `${run.describe} did not finish within ${run.timeoutMs} ms and was stopped; use a smaller repository or a closer mirror`,
        ),
      ),
    Math.max(0, run.deadline - Date.now()),
  );
  const onAbort = (): void => stop(run.signal?.reason);
  run.signal?.addEventListener('abort', onAbort, { once: true });
  const watching = new AbortController();
  if (run.watch) void poll(run.watch, watching.signal, stop);

  let code: number | null;
  try {
    [code] = (await once(child, 'close')) as [number | null];
  } catch (err) {
    throw new Error(`could not run git (${(err as Error).message}); install git on the worker`, {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
    run.signal?.removeEventListener('abort', onAbort);
    watching.abort();
  }
  if (stopped) throw stopped.error;
  if (code !== 0) {
    const detail =
      redactUrl(stderr)
        .trim()
        .replace(/\s*\n\s*/g, ' ')
        .slice(-STDERR_CHARS) || `exit code ${code}`;
    throw new SeedRejected('git_failed', `${run.describe} failed: ${detail}`);
  }
}

async function poll(
  watch: () => Promise<unknown>,
  signal: AbortSignal,
  stop: (error: unknown) => void,
): Promise<void> {
  try {
    for (;;) {
      await sleep(WATCH_INTERVAL_MS, undefined, { signal });
      await watch();
    }
  } catch (err) {
    if (!signal.aborted) stop(err);
  }
}
