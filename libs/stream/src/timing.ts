/** Resolves after ms, or early (without rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A timer that never keeps the process alive on its own. */
export function backgroundTimer(ms: number, fn: () => void): NodeJS.Timeout {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return timer;
}

/**
 * Aborts when `signal` does or when abortAll() is called, with listeners removed on dispose().
 * Hand-made rather than AbortSignal.any so that nothing accumulates on the long-lived side.
 */
export class SignalGroup {
  private readonly members = new Set<AbortController>();
  private aborted = false;

  link(signal?: AbortSignal): { signal: AbortSignal; dispose: () => void } {
    const controller = new AbortController();
    // Passing the reason on spares a DOMException (and its stack trace) per linked signal.
    const abort = (): void => controller.abort(signal?.reason);
    if (this.aborted || signal?.aborted) controller.abort(signal?.reason);
    signal?.addEventListener('abort', abort, { once: true });
    this.members.add(controller);
    return {
      signal: controller.signal,
      dispose: () => {
        signal?.removeEventListener('abort', abort);
        this.members.delete(controller);
      },
    };
  }

  abortAll(): void {
    this.aborted = true;
    for (const controller of this.members) controller.abort();
    this.members.clear();
  }

  get isAborted(): boolean {
    return this.aborted;
  }
}

/** The promise's value, or undefined if ms pass or the signal aborts first (it keeps running). */
export function within<T>(
  promise: Promise<T>,
  ms: number,
  signal?: AbortSignal,
): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const cleanUp = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', giveUp);
    };
    const giveUp = (): void => {
      cleanUp();
      resolve(undefined);
    };
    const timer = setTimeout(giveUp, ms);
    signal?.addEventListener('abort', giveUp, { once: true });
    if (signal?.aborted) giveUp();
    promise.then(
      (value) => {
        cleanUp();
        resolve(value);
      },
      (error: unknown) => {
        cleanUp();
        reject(error);
      },
    );
  });
}
