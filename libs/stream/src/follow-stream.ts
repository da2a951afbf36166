import { sleep } from './timing';
import type { TakenMessages } from './watch';

const RETRY_MAX_MS = 2_000;

/** Where a follow reads from: any Redis stream, in the caller's item type. */
export interface FollowSource<T extends { id: string }> {
  /** Items after the exclusive cursor, oldest first (a source says itself what was trimmed). */
  read(after: string | undefined, limit: number): Promise<{ items: T[] }>;
  /**
   * The items that notifications carried, when they continue the cursor exactly; undefined
   * means "read the stream instead". Sources whose notifications carry nothing leave it out.
   */
  continuation?(taken: TakenMessages, after: string | undefined): T[] | undefined;
}

/** What a follow waits on between reads: a Watch on the stream's channel, or a plain timer. */
export interface FollowWaker {
  /** True when notified, false when timeoutMs passed or the signal aborted. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  takeMessages(): TakenMessages;
}

/** A waker nobody notifies: the follow re-reads every `recheckMs` (polling). */
export const POLLING: FollowWaker = {
  wait: async (ms, signal) => {
    await sleep(ms, signal);
    return false;
  },
  takeMessages: () => ({ messages: [], complete: false }),
};

export interface FollowSettings {
  pageSize: number;
  /** Longest wait without a notification before reading anyway (a net under lost messages). */
  recheckMs: number;
  retryMinMs: number;
  /** Read errors, retried with backoff until the follow stops. */
  onError: (error: Error) => void;
}

/**
 * The one way anything follows a Redis stream: catch up by reading, then wait to be woken (or
 * for the recheck) and read again; notified items that continue the cursor exactly are taken
 * as they are, without a read. In order, once each, until the signal aborts; resolves with the
 * last delivered item's id (or the starting cursor).
 */
export async function followStream<T extends { id: string }>(
  source: FollowSource<T>,
  waker: FollowWaker,
  after: string | undefined,
  onItem: (item: T) => void | Promise<void>,
  stop: AbortSignal,
  settings: FollowSettings,
): Promise<string | undefined> {
  let cursor = after;
  const deliver = async (items: readonly T[]): Promise<void> => {
    for (const item of items) {
      if (stop.aborted) return;
      const pending = onItem(item);
      if (pending) await pending; // a synchronous handler costs no extra tick per item
      cursor = item.id;
    }
  };
  const read = async () => {
    let retryMs = settings.retryMinMs;
    while (!stop.aborted) {
      try {
        return await source.read(cursor, settings.pageSize);
      } catch (error) {
        settings.onError(error instanceof Error ? error : new Error(String(error)));
        await sleep(retryMs, stop);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
    return undefined;
  };
  let mustRead = true;
  while (!stop.aborted) {
    if (mustRead) {
      const page = await read();
      if (!page) break;
      await deliver(page.items);
      mustRead = page.items.length >= settings.pageSize;
      continue;
    }
    const notified = await waker.wait(settings.recheckMs, stop);
    const inline = notified ? source.continuation?.(waker.takeMessages(), cursor) : undefined;
    if (inline) await deliver(inline);
    else mustRead = true;
  }
  return cursor;
}
