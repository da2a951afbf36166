import type { SessionEvent } from '@app/contracts';
import { connectionNameOf, duplicateConnection, type RedisClient } from '@app/redis';
import { assertCursor } from './codec';
import { EventRelayClosedError } from './errors';
import { followStream } from './follow-stream';
import { withGap } from './gap';
import { NotificationHub } from './notification-hub';
import { SessionEventLog, type EventPage } from './session-event-log';
import { SessionEventSource } from './session-event-source';
import { SignalGroup, sleep, within } from './timing';
import type { Watch } from './watch';

export interface EventRelayOptions {
  /** Dedicated pub/sub connection; default a duplicate of redis, owned and closed by the relay. */
  subscriber?: RedisClient;
  /** follow() and long-polls re-read after this long without a notification: a net under lost messages. */
  followRecheckMs?: number;
  /** Events per read in follow(). */
  followPageSize?: number;
  /** follow() retries failed reads and subscriptions, waiting this long (doubling to 2 s). */
  retryMinMs?: number;
  /** Errors follow() recovers from, and the subscriber connection's errors. */
  onError?: (error: Error) => void;
  /** Sees the events handed to readers as they are handed over (the gateway's latency metrics). */
  onRelayed?: (events: readonly SessionEvent[]) => void;
}

export interface RelayReadOptions {
  /** Exclusive cursor (an event id / a previous `next`); omitted = from the oldest event. */
  after?: string;
  limit: number;
  /** Long-poll: with nothing to return, wait up to this long for a new event. */
  waitMs?: number;
  /** Ends the wait early (e.g. the HTTP request went away); resolves with what is there. */
  signal?: AbortSignal;
}

export type EventHandler = (event: SessionEvent) => void | Promise<void>;

const RETRY_MAX_MS = 2_000;

/**
 * Gateway-side reader of session event streams. Every waiter in the process shares one
 * subscriber connection (reference-counted SUBSCRIBE per session channel) and one command
 * connection for reads. A waiter subscribes before it reads, so an event appended in between
 * still wakes it.
 */
export class EventRelay {
  private readonly log: SessionEventLog;
  private readonly subscriber: RedisClient;
  private readonly ownsSubscriber: boolean;
  private readonly hub: NotificationHub;
  /** Every running wait and follow, so close() can end them. */
  private readonly waits = new SignalGroup();
  private readonly onError: (error: Error) => void;
  private readonly onRelayed?: (events: readonly SessionEvent[]) => void;
  private readonly followRecheckMs: number;
  private readonly followPageSize: number;
  private readonly retryMinMs: number;

  constructor(redis: RedisClient, options: EventRelayOptions = {}) {
    this.log = new SessionEventLog(redis);
    this.onError = options.onError ?? (() => undefined);
    this.onRelayed = options.onRelayed;
    this.ownsSubscriber = !options.subscriber;
    this.subscriber =
      options.subscriber ??
      duplicateConnection(redis, `${connectionNameOf(redis) ?? 'redis'}-events`);
    this.subscriber.on('error', this.onError);
    this.hub = new NotificationHub(this.subscriber);
    this.followRecheckMs = options.followRecheckMs ?? 5_000;
    this.followPageSize = options.followPageSize ?? 500;
    this.retryMinMs = options.retryMinMs ?? 50;
  }

  /** Sessions with a waiter right now (= channels the subscriber connection holds). */
  get watchedSessions(): number {
    return this.hub.channelCount;
  }

  /**
   * The events after the cursor; when there are none and waitMs > 0, waits for the session's
   * next notification (or the time to run out) and reads again. `next` is the cursor to pass
   * back. Events trimmed before the reader got to them show as a `gap` event first (and
   * `truncated`, see SessionEventLog.read).
   */
  async events(sessionId: string, options: RelayReadOptions): Promise<EventPage> {
    this.assertOpen();
    const read = async (): Promise<EventPage> => {
      const page = await this.log.read(sessionId, { after: options.after, limit: options.limit });
      // A page with events is always the one returned (an empty one is read again).
      if (page.events.length > 0) this.onRelayed?.(page.events);
      return { ...page, events: withGap(page, options.after) };
    };
    const first = await read();
    const waitMs = options.waitMs ?? 0;
    if (first.events.length > 0 || first.truncated || waitMs <= 0) return first;
    const deadline = Date.now() + waitMs;
    const stop = this.waits.link(options.signal);
    // A subscription that Redis does not confirm in time (it went down) must not outlast waitMs.
    const subscribing = this.hub.watch(this.log.notifyChannel(sessionId));
    const watch = await within(subscribing, waitMs, stop.signal).catch(() => undefined);
    if (!watch) {
      subscribing.then((late) => late.close()).catch(() => undefined);
      stop.dispose();
      return first;
    }
    try {
      for (;;) {
        const page = await read();
        const left = deadline - Date.now();
        if (page.events.length > 0 || page.truncated || left <= 0 || stop.signal.aborted) {
          return page;
        }
        // Re-read now and then even without a notification, as follow() does: one published
        // while the subscriber was reconnecting (or moving to another cluster node) is gone.
        await watch.wait(Math.min(left, this.followRecheckMs), stop.signal);
      }
    } finally {
      watch.close();
      stop.dispose();
    }
  }

  /**
   * Delivers every event after `after` to onEvent, in order and once each, as they arrive,
   * until the signal aborts (or the relay closes); resolves with the last delivered cursor.
   * A slow onEvent (returning a promise) holds back the next event; events trimmed meanwhile
   * arrive as one `gap` event. Redis outages are retried.
   */
  async follow(
    sessionId: string,
    after: string | undefined,
    onEvent: EventHandler,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    this.assertOpen();
    // A bad cursor is the caller's error: fail now rather than retry it like an outage.
    if (after !== undefined) assertCursor(after);
    const stop = this.waits.link(signal);
    const watch = await this.watchWithRetry(sessionId, stop.signal);
    if (!watch) {
      stop.dispose();
      return after;
    }
    try {
      return await followStream(
        new SessionEventSource(this.log, sessionId),
        watch,
        after,
        this.onRelayed ? observed(onEvent, this.onRelayed) : onEvent,
        stop.signal,
        {
          pageSize: this.followPageSize,
          recheckMs: this.followRecheckMs,
          retryMinMs: this.retryMinMs,
          onError: this.onError,
        },
      );
    } finally {
      watch.close();
      stop.dispose();
    }
  }

  /** Ends every wait and follow (they resolve), and closes the subscriber if the relay made it. */
  async close(): Promise<void> {
    if (this.waits.isAborted) return;
    this.waits.abortAll();
    this.hub.close();
    if (!this.ownsSubscriber) {
      this.subscriber.off('error', this.onError);
      return;
    }
    // Nothing to flush on a pub/sub connection, and QUIT could wait forever on a dead Redis.
    this.subscriber.disconnect();
  }

  private async watchWithRetry(sessionId: string, stop: AbortSignal): Promise<Watch | undefined> {
    let retryMs = this.retryMinMs;
    while (!stop.aborted) {
      try {
        return await this.hub.watch(this.log.notifyChannel(sessionId), { keepMessages: true });
      } catch (error) {
        this.reportError(error);
        await sleep(retryMs, stop);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
    return undefined;
  }

  private reportError(error: unknown): undefined {
    this.onError(error instanceof Error ? error : new Error(String(error)));
    return undefined;
  }

  private assertOpen(): void {
    if (this.waits.isAborted) throw new EventRelayClosedError();
  }
}

/** The handler, telling `onRelayed` of each event first. */
function observed(
  onEvent: EventHandler,
  onRelayed: (events: readonly SessionEvent[]) => void,
): EventHandler {
  return (event) => {
    onRelayed([event]);
    return onEvent(event);
  };
}
