import { backgroundTimer } from './timing';

interface FlushWaiter {
  target: number;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

/** flush() callers, each waiting until the confirmed count reaches what had been pushed. */
export class FlushWaiters {
  private waiters: FlushWaiter[] = [];

  /** Resolves when settle(n >= target) runs; rejects with onTimeout() after timeoutMs. */
  wait(target: number, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: FlushWaiter = {
        target,
        resolve,
        timer: backgroundTimer(timeoutMs, () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(onTimeout());
        }),
      };
      this.waiters.push(waiter);
    });
  }

  settle(confirmed: number): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.target > confirmed) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
  }
}

/** waitForCapacity() callers: released together once the writer is below its limits. */
export class CapacityWaiters {
  private waiters = new Set<() => void>();

  wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      if (signal?.aborted) return resolve();
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  releaseAll(): void {
    for (const done of [...this.waiters]) done();
  }
}
