/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results keep the items' order.
 * On the first failure no new call starts, the ones in flight are awaited (so nothing keeps
 * writing after we return), and that first error is thrown.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  if (failure) throw failure.error;
  return results;
}

/**
 * Yields `fn(item)` for each item in order while keeping up to `limit` calls running ahead, so
 * a consumer that writes sequentially (a file, a hash) still gets parallel fetches, and memory
 * stays bounded by `limit` results. Stopping early (break, throw) lets the in-flight calls
 * finish quietly.
 */
export async function* mapOrdered<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const window: Array<Promise<R>> = [];
  let next = 0;
  const refill = (): void => {
    while (window.length < Math.max(1, limit) && next < items.length) {
      const pending = fn(items[next++]);
      pending.catch(() => undefined); // observed below; this only silences an abandoned one
      window.push(pending);
    }
  };
  try {
    refill();
    while (window.length > 0) {
      const result = await (window.shift() as Promise<R>);
      refill();
      yield result;
    }
  } finally {
    await Promise.allSettled(window);
  }
}
