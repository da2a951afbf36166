/**
 * The console tests' and benchmark's own plain client of /api/v1 (not the browser's): to set up
 * sessions, to read what the API says, and to follow a session's events as Server-Sent Events
 * with a standard EventSource client (the `eventsource` package) sending the bearer key.
 */
import { EventSource } from 'eventsource';
import type { SessionEvent } from '@app/contracts';

export interface Answer<T> {
  status: number;
  body: T;
}

export class PlainApi {
  constructor(
    private readonly base: URL,
    private readonly key: string,
  ) {}

  url(path: string): string {
    return new URL(`/api/v1${path}`, this.base).toString();
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer<T>> {
    const res = await fetch(this.url(path), {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async start(body: Record<string, unknown>): Promise<string> {
    const started = await this.call<{ sessionId?: string; error?: unknown }>(
      'POST',
      '/sessions',
      body,
    );
    if (!started.body.sessionId)
      throw new Error(`session not started: ${JSON.stringify(started.body)}`);
    return started.body.sessionId;
  }

  async statusOf(sessionId: string): Promise<string> {
    return (await this.call<{ status: string }>('GET', `/sessions/${sessionId}`)).body.status;
  }

  /**
   * Follows the session's events from its start (or after `after`); `onEvent` sees each with the
   * time it arrived (performance.timeOrigin + now, comparable across processes).
   */
  follow(
    sessionId: string,
    onEvent: (event: SessionEvent, receivedAt: number) => void = () => undefined,
  ): EventFollower {
    const events: SessionEvent[] = [];
    const key = this.key;
    const source = new EventSource(this.url(`/sessions/${sessionId}/events`), {
      fetch: (url, init) =>
        fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } }),
    });
    const follower: EventFollower = { events, ended: false, close: () => source.close() };
    source.addEventListener('message', (message) => {
      const receivedAt = performance.timeOrigin + performance.now();
      const event = JSON.parse(String(message.data)) as SessionEvent;
      events.push(event);
      onEvent(event, receivedAt);
    });
    source.addEventListener('end', () => {
      follower.ended = true;
      source.close();
    });
    return follower;
  }
}

export interface EventFollower {
  events: SessionEvent[];
  /** The stream said the session ended (`event: end`). */
  ended: boolean;
  close(): void;
}

/** Whether the event is the status event that ends `turn` (idle or failed). */
export function endsTurn(event: SessionEvent, turn: number): boolean {
  const status = (event.data as { status?: unknown } | null)?.status;
  return (
    event.kind === 'status' && event.turn === turn && (status === 'idle' || status === 'failed')
  );
}
