import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

/** Sends a signal to the child's process group (it was spawned detached), falling back to the child. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * Remembers a CLI process until it exits, so that a worker that exits does not leave
 * detached CLI process groups (and the tools they run) behind.
 */
export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of live) killGroup(c, 'SIGKILL');
    });
  }
}
