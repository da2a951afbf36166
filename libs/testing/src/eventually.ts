/** Thrown by eventually() when its deadline passes; the message names what was awaited. */
export class ConditionTimeout extends Error {
  override readonly name = 'ConditionTimeout';
}

export interface EventuallyOptions {
  /** How long to keep checking (default 10 s). */
  timeoutMs?: number;
  /** Pause between checks (default 10 ms). */
  intervalMs?: number;
  /** Returns an error to stop waiting early (e.g. the process being waited on has exited). */
  abort?: () => Error | undefined;
}

/**
 * The suite's one way to wait for a condition: calls `check` until it returns true, then
 * resolves. After the deadline it rejects with ConditionTimeout "timed out after N ms waiting
 * for: <what>"; `what` may be a function, called only then, to add details (a process's output).
 * An error thrown by `check` rejects at once. Runs on real timers: under jest fake timers, wait
 * with jest's own clock instead.
 */
export async function eventually(
  what: string | (() => string),
  check: () => boolean | Promise<boolean>,
  options: number | EventuallyOptions = {},
): Promise<void> {
  const {
    timeoutMs = 10_000,
    intervalMs = 10,
    abort,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const aborted = abort?.();
    if (aborted) throw aborted;
    if (await check()) return;
    if (Date.now() >= deadline) {
      const described = typeof what === 'function' ? what() : what;
      throw new ConditionTimeout(`timed out after ${timeoutMs} ms waiting for: ${described}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
