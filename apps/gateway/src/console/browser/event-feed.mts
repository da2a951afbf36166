import type { ApiClient } from './api-client.mts';
import { failureOf } from './api-client.mts';
import type { SessionEvent } from './api-types.mts';
import { SseParser } from './sse-parser.mts';

export type FeedState =
  | { kind: 'connecting' }
  | { kind: 'live'; reconnects: number }
  | { kind: 'reconnecting'; inMs: number; reason: string }
  | { kind: 'paused' }
  | { kind: 'ended' }
  | { kind: 'failed'; reason: string };

export interface FeedListener {
  /** New events, in stream order, each once: a chunk's worth at a time. */
  events(batch: SessionEvent[]): void;
  state(state: FeedState): void;
}

/** A connection lost, refused for now (429, 5xx) or let go while hidden: connect again. */
interface Dropped {
  kind: 'dropped';
  /** Whether it brought any event (then the back-off starts over). */
  delivered: boolean;
  reason: string;
}

/** The gateway sends a heartbeat comment after 15 s without events: this long without one is a dead link. */
const SILENCE_MS = 40_000;
const MAX_BACKOFF_MS = 10_000;
/**
 * A tab hidden this long lets its stream go until it shows again: a browser keeps at most six
 * HTTP/1.1 connections per host, and each open session tab would otherwise hold one for good
 * (the seventh tab would wait, blank). Short switches between tabs keep the stream.
 */
const HIDDEN_GRACE_MS = 15_000;

/**
 * A session's events, followed live from `GET /api/v1/sessions/{id}/events` and resumed after a
 * dropped connection with Last-Event-ID = the last event applied, so nothing is lost or shown
 * twice (an event at or before that id is dropped, should a replica ever send one again).
 * Stops at the stream's `end` event or a 204 (the session ended), or on a refusal.
 */
export class EventFeed {
  private lastEventId?: string;
  /** What the stream's `retry:` asked for. */
  private retryMs = 1_000;
  private reconnects = 0;
  private readonly stopped = new AbortController();
  /** The connection being read; aborted to let it go. */
  private link?: AbortController;
  private hiddenTimer?: ReturnType<typeof setTimeout>;
  private paused = false;
  private wake?: () => void;

  private readonly api: ApiClient;
  private readonly sessionId: string;
  private readonly listener: FeedListener;

  constructor(api: ApiClient, sessionId: string, listener: FeedListener) {
    this.api = api;
    this.sessionId = sessionId;
    this.listener = listener;
  }

  start(): void {
    addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisibility);
    void this.run();
  }

  stop(): void {
    removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearTimeout(this.hiddenTimer);
    this.stopped.abort();
    this.wake?.();
  }

  /** Back online: reconnect now rather than at the end of the back-off. */
  private readonly onOnline = () => this.wake?.();

  private readonly onVisibility = () => {
    clearTimeout(this.hiddenTimer);
    if (document.visibilityState === 'hidden') {
      this.hiddenTimer = setTimeout(() => {
        this.paused = true;
        this.link?.abort();
      }, HIDDEN_GRACE_MS);
    } else if (this.paused) {
      this.paused = false;
      this.wake?.();
    }
  };

  private async run(): Promise<void> {
    let backoffMs = 0;
    this.listener.state({ kind: 'connecting' });
    while (!this.stopped.signal.aborted) {
      if (this.paused) {
        this.listener.state({ kind: 'paused' });
        await this.sleep(); // until shown again
        continue;
      }
      const outcome = await this.connect();
      if (outcome.kind === 'ended' || outcome.kind === 'failed') {
        if (!this.stopped.signal.aborted) this.listener.state(outcome);
        return;
      }
      if (this.stopped.signal.aborted) return;
      this.reconnects++;
      if (this.paused) continue;
      // A connection that delivered something starts the back-off over.
      backoffMs = outcome.delivered
        ? this.retryMs
        : Math.min(MAX_BACKOFF_MS, Math.max(this.retryMs, backoffMs * 2));
      this.listener.state({ kind: 'reconnecting', inMs: backoffMs, reason: outcome.reason });
      await this.sleep(backoffMs);
    }
  }

  private async connect(): Promise<Dropped | Extract<FeedState, { kind: 'ended' | 'failed' }>> {
    // A new parser per connection: a message cut off by the drop is not glued to the next one.
    const parser = new SseParser();
    const link = new AbortController();
    this.link = link;
    const abort = () => link.abort();
    this.stopped.signal.addEventListener('abort', abort);
    let silence: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      clearTimeout(silence);
      silence = setTimeout(abort, SILENCE_MS);
    };
    let delivered = false;
    try {
      watch();
      const res = await this.api.events(this.sessionId, this.lastEventId, link.signal);
      if (res.status === 204) return { kind: 'ended' };
      if (!res.ok || !res.body) {
        const failure = failureOf(res.status, await res.json().catch(() => undefined));
        if (res.status === 401) this.api.unauthorized();
        if (res.status === 429 || res.status >= 500) {
          return { kind: 'dropped', delivered, reason: failure.message };
        }
        return { kind: 'failed', reason: failure.message };
      }
      this.listener.state({ kind: 'live', reconnects: this.reconnects });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { kind: 'dropped', delivered, reason: 'the stream closed' };
        watch();
        const batch: SessionEvent[] = [];
        for (const message of parser.push(value)) {
          if (message.event === 'end') return this.flush(batch, { kind: 'ended' });
          if (message.event !== 'message') continue;
          const event = JSON.parse(message.data) as SessionEvent;
          if (this.lastEventId !== undefined && !isAfter(event.id, this.lastEventId)) continue;
          this.lastEventId = event.id;
          batch.push(event);
        }
        if (batch.length > 0) {
          delivered = true;
          this.listener.events(batch);
        }
      }
    } catch (error) {
      return { kind: 'dropped', delivered, reason: describe(error) };
    } finally {
      this.retryMs = parser.retryMs ?? this.retryMs;
      clearTimeout(silence);
      this.stopped.signal.removeEventListener('abort', abort);
      link.abort();
    }
  }

  private flush<S extends FeedState>(batch: SessionEvent[], state: S): S {
    if (batch.length > 0) this.listener.events(batch);
    return state;
  }

  /** Waits `ms` (forever without), or until woken: back online, shown again, stopped. */
  private sleep(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/** Stream ids are `<ms>-<seq>`: whether `id` comes after `than`. */
export function isAfter(id: string, than: string): boolean {
  const [ms, seq] = id.split('-').map(Number);
  const [thanMs, thanSeq] = than.split('-').map(Number);
  return ms > thanMs || (ms === thanMs && seq > thanSeq);
}

function describe(error: unknown): string {
  if (error instanceof DOMException && error.name === 'AbortError') return 'no data for a while';
  return error instanceof Error ? error.message : String(error);
}
