import type { ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import { CLOSED_STATUSES, type SessionEvent, type SessionStatus } from '@app/contracts';
import { replyEmpty, SECURITY_HEADERS } from './api-reply';

/** A page of the session's events after a cursor, as the session_events tool answers it. */
export interface EventPage {
  events: SessionEvent[];
  /** The cursor after the page (the one given when the page is empty). */
  next: string;
  status: SessionStatus;
}

/**
 * Reads the events after `after`, waiting up to `waitMs` for one when there are none: the
 * session_events tool's long-poll, so the stream reads the session's Redis stream exactly as
 * the tool and waited calls do, on any replica. Throws when the session is not the caller's.
 */
export type EventPageReader = (
  after: string | undefined,
  waitMs: number,
  signal: AbortSignal,
) => Promise<EventPage>;

export interface EventStreamOptions {
  /** A poll that waited this long for nothing sends a comment, which keeps proxies from closing. */
  heartbeatMs: number;
  /** How long an EventSource waits before it reconnects (the stream's `retry:` field). */
  retryMs: number;
}

export const DEFAULT_EVENT_STREAM: EventStreamOptions = { heartbeatMs: 15_000, retryMs: 1_000 };

/**
 * A session's events as Server-Sent Events: `id:` is the event id, so a client that reconnects
 * with Last-Event-ID (or `?after=`) gets every event exactly once, whichever replica it reaches.
 * Open while the session lives; after the event that ends it (`status` terminated or completed)
 * an `event: end` closes it, and a stream with nothing left to send on an ended session answers
 * 204 (EventSource then stops reconnecting).
 */
export class SessionEventStream {
  constructor(
    private readonly read: EventPageReader,
    private readonly options: EventStreamOptions,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** Throws, before anything is written, what the first read throws (a foreign session: 404). */
  async serve(res: ServerResponse, after: string | undefined, signal: AbortSignal): Promise<void> {
    const page = await this.read(after, 0, signal);
    if (page.events.length === 0 && CLOSED_STATUSES.includes(page.status)) {
      return replyEmpty(res, 204);
    }
    // Set, not only written: the gateway's open-stream gauge reads the content type back.
    const headers = {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      // Reverse proxies (nginx) would otherwise hold the events back in their buffers.
      'X-Accel-Buffering': 'no',
    };
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.writeHead(200);
    try {
      if (await send(res, `retry: ${this.options.retryMs}\n\n`, signal)) {
        await this.follow(res, page, signal);
      }
    } catch (error) {
      // Redis went away, the gateway is stopping...: the client reconnects with Last-Event-ID.
      if (!signal.aborted) this.log.warn(`event stream ended: ${String(error)}`);
    } finally {
      res.end();
    }
  }

  /** Sends each page and reads the next, until the session ends or the stream must stop. */
  private async follow(res: ServerResponse, first: EventPage, signal: AbortSignal): Promise<void> {
    let page = first;
    // When the last long-poll started; 0 before the first (the opening read does not wait).
    let polledAt = 0;
    for (;;) {
      let ended: SessionStatus | undefined;
      for (const event of page.events) {
        if (!(await send(res, frame(event), signal))) return;
        ended ??= endingStatus(event);
      }
      const idle = page.events.length === 0 && polledAt > 0;
      if (idle && CLOSED_STATUSES.includes(page.status)) ended = page.status;
      if (ended) return void (await send(res, endFrame(ended), signal));
      if (idle) {
        if (!(await send(res, ': heartbeat\n\n', signal))) return;
        // A poll comes back empty early only when it could not wait (its subscription failed):
        // the next waits out the rest, so an outage costs one poll per heartbeat, not a spin.
        await pause(polledAt + this.options.heartbeatMs - Date.now(), signal);
      }
      polledAt = Date.now();
      page = await this.read(page.next, this.options.heartbeatMs, signal);
      if (signal.aborted) return;
    }
  }
}

function frame(event: SessionEvent): string {
  // JSON text has no raw newline, so the event is one data line.
  return `id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`;
}

function endFrame(status: SessionStatus): string {
  return `event: end\ndata: ${JSON.stringify({ status })}\n\n`;
}

/** The status an event ends the session with, if it does. */
function endingStatus(event: SessionEvent): SessionStatus | undefined {
  if (event.kind !== 'status') return undefined;
  const status = (event.data as { status?: unknown } | null)?.status;
  return CLOSED_STATUSES.find((closed) => closed === status);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Writes a chunk, waiting while the client reads slower than the session writes (the next
 * page is read only then, so a slow client costs memory for one page). False once the client
 * is gone or the stream was told to stop.
 */
async function send(res: ServerResponse, chunk: string, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted || res.destroyed) return false;
  if (res.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
  return !signal.aborted && !res.destroyed;
}
