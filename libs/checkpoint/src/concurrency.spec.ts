import { mapBounded, mapOrdered } from './concurrency';

/**
 * Calls that the test finishes by hand, in the order it chooses (no timers), counting how many
 * run at once. Each call for `n` resolves with n * 10.
 */
class Calls {
  readonly started: number[] = [];
  running = 0;
  peak = 0;
  private readonly gates = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private waiters: Array<() => boolean> = [];

  run = (n: number): Promise<number> => {
    this.started.push(n);
    this.peak = Math.max(this.peak, ++this.running);
    const call = new Promise<void>((resolve, reject) => this.gates.set(n, { resolve, reject }));
    this.waiters = this.waiters.filter((settled) => !settled());
    return call.finally(() => this.running--).then(() => n * 10);
  };

  /** Resolves once the call for `n` has started. */
  whenStarted(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): boolean => (this.started.includes(n) ? (resolve(), true) : false);
      if (!check()) this.waiters.push(check);
    });
  }

  finish(n: number, error?: Error): void {
    const gate = this.gates.get(n);
    if (!gate) throw new Error(`call ${n} is not running`);
    this.gates.delete(n);
    if (error) gate.reject(error);
    else gate.resolve();
  }
}

/** Lets every promise continuation queued so far run (the code under test uses no timers). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('mapBounded', () => {
  it('keeps order and never exceeds the limit', async () => {
    const calls = new Calls();
    const run = mapBounded([5, 1, 4, 2, 3, 0], 2, calls.run);
    // Out of input order; each finished call makes room for the next item.
    for (const n of [1, 5, 4, 2, 0, 3]) {
      await calls.whenStarted(n);
      calls.finish(n);
    }
    expect(await run).toEqual([50, 10, 40, 20, 30, 0]);
    expect(calls.peak).toBe(2);
  });

  it('throws the first error after in-flight calls settle, starting no new ones', async () => {
    const calls = new Calls();
    let outcome: unknown;
    const run = mapBounded([1, 2, 3, 4, 5], 2, calls.run).then(
      () => (outcome = 'resolved'),
      (error: Error) => (outcome = error.message),
    );
    await calls.whenStarted(2);
    calls.finish(1, new Error('boom'));
    await settle();
    expect(outcome).toBeUndefined(); // call 2 is still in flight
    expect(calls.started).toEqual([1, 2]);
    calls.finish(2);
    await run;
    expect(outcome).toBe('boom');
    expect(calls.started).toEqual([1, 2]);
  });
});

describe('mapOrdered', () => {
  it('yields in input order while fetching ahead', async () => {
    const calls = new Calls();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const n of mapOrdered([30, 1, 20, 2], 3, calls.run)) seen.push(n);
    })();
    await calls.whenStarted(20);
    calls.finish(1);
    calls.finish(20);
    await settle();
    expect(seen).toEqual([]); // held back behind the first item
    calls.finish(30);
    await calls.whenStarted(2);
    calls.finish(2);
    await reading;
    expect(seen).toEqual([300, 10, 200, 20]);
    expect(calls.peak).toBe(3);
  });

  it('surfaces an error in order and leaves nothing unhandled when the reader stops', async () => {
    const gen = mapOrdered([1, 2, 3], 3, async (n) => {
      if (n === 2) throw new Error('two');
      return n;
    });
    await expect(gen.next()).resolves.toEqual({ value: 1, done: false });
    await expect(gen.next()).rejects.toThrow('two');
  });
});
