import type { Redis } from 'ioredis';

/** A Redis stream entry as ioredis returns it: id and flat [field, value, ...] list. */
export type StreamEntry = [id: string, fields: string[]];

export interface FollowOptions {
  key: string;
  /** Entry id to continue after. */
  after: string;
  /** Stops following (and frees the blocking connection) when aborted. */
  signal: AbortSignal;
  /** Gives up after this long without a new entry. */
  idleMs: number;
  /** Handles one new entry; returns true when nothing more is expected. */
  deliver(entry: StreamEntry): Promise<boolean>;
}

/**
 * Tails a Redis stream with XREAD BLOCK until `deliver` says it is done, the stream stays idle
 * for `idleMs`, or `signal` aborts. It holds its own connection: a blocking read would stall every
 * other command on a shared one, and disconnecting is the only way to interrupt it.
 */
export async function followStream(redis: Redis, opts: FollowOptions): Promise<void> {
  if (opts.signal.aborted) return;
  const reader = redis.duplicate();
  // Its failures surface as the XREAD rejection below; the event would only be a duplicate report.
  reader.on('error', () => undefined);
  const stop = (): void => reader.disconnect();
  opts.signal.addEventListener('abort', stop, { once: true });
  try {
    let cursor = opts.after;
    for (;;) {
      const batch = (await reader.xread(
        'COUNT',
        100,
        'BLOCK',
        opts.idleMs,
        'STREAMS',
        opts.key,
        cursor,
      )) as Array<[key: string, entries: StreamEntry[]]> | null;
      if (!batch) return;
      for (const [, entries] of batch) {
        for (const entry of entries) {
          cursor = entry[0];
          if (await opts.deliver(entry)) return;
        }
      }
    }
  } catch (error) {
    // Disconnecting on abort rejects the pending XREAD: that is how a follow ends, not a failure.
    if (!opts.signal.aborted) throw error;
  } finally {
    opts.signal.removeEventListener('abort', stop);
    reader.disconnect();
  }
}
