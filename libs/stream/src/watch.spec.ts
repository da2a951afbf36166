import { getEventListeners } from 'node:events';
import { Watch } from './watch';

describe('Watch', () => {
  const newWatch = () => {
    const released: Watch[] = [];
    const watch = new Watch((w) => released.push(w), { keepMessages: true });
    return { watch, released };
  };

  it('latches a notification that lands before the wait, and hands over its message', async () => {
    const { watch } = newWatch();
    watch.notify('a');
    await expect(watch.wait(10_000)).resolves.toBe(true);
    expect(watch.takeMessages()).toEqual({ messages: ['a'], complete: true });
    await expect(watch.wait(5)).resolves.toBe(false);
  });

  it('wakes a waiter on notify, and on abort of the signal it waits with', async () => {
    const { watch } = newWatch();
    const stop = new AbortController();
    const notified = watch.wait(10_000, stop.signal);
    watch.notify('b');
    await expect(notified).resolves.toBe(true);
    const aborted = watch.wait(10_000, stop.signal);
    stop.abort();
    await expect(aborted).resolves.toBe(false);
  });

  it('keeps one abort listener however often it waits, and removes it on close', async () => {
    const { watch, released } = newWatch();
    const stop = new AbortController();
    for (let i = 0; i < 5; i++) {
      const waiting = watch.wait(10_000, stop.signal);
      watch.notify(String(i));
      await waiting;
    }
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
    const other = new AbortController();
    const waiting = watch.wait(10_000, other.signal);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(1);
    watch.close();
    await expect(waiting).resolves.toBe(false);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
    expect(released).toEqual([watch]);
  });
});
