/** The part of a child process this registry needs (node's ChildProcess or a brokered one). */
interface Signalable {
  readonly pid?: number | undefined;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: () => void): unknown;
}

const live = new Set<Signalable>();
let hooked = false;

/** Sends a signal to the child's process group (it was spawned detached), falling back to the child. */
export function killGroup(child: Signalable, signal: NodeJS.Signals): void {
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
export function trackChild(child: Signalable): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of live) killGroup(c, 'SIGKILL');
    });
  }
}
