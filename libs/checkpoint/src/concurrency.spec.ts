import { mapBounded, mapOrdered } from './concurrency';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapBounded', () => {
  it('keeps order and never exceeds the limit', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
      peak = Math.max(peak, ++running);
      await sleep(n);
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it('throws the first error after in-flight calls settle, starting no new ones', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapBounded([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await sleep(n === 1 ? 1 : 20);
      settled++;
      if (n === 1) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(2);
  });
});

describe('mapOrdered', () => {
  it('yields in input order while fetching ahead', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    for await (const n of mapOrdered([30, 1, 20, 2], 3, async (n) => {
      peak = Math.max(peak, ++running);
      await sleep(n);
      running--;
      return n;
    })) {
      seen.push(n);
    }
    expect(seen).toEqual([30, 1, 20, 2]);
    expect(peak).toBe(3);
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
