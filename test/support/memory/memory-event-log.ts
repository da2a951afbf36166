import type { NewSessionEvent, SessionEvent } from '@app/contracts';
import {
  START_CURSOR,
  type EventPage,
  type EventRelay,
  type RelayReadOptions,
  type SessionEventLog,
} from '@app/stream';

type EventLog = Pick<SessionEventLog, 'append' | 'lastId' | 'turnEvents'>;
type Relay = Pick<EventRelay, 'events' | 'follow'>;

const seqOf = (id: string | undefined) => (id === undefined ? 0 : Number(id.split('-')[1]));

/**
 * A session event log and its relay in one, in memory: what the worker appends, a gateway reads
 * and follows. Ids are `0-<seq>`, so cursors compare like the real ones.
 */
export class MemoryEventLog implements EventLog, Relay {
  private readonly streams = new Map<string, SessionEvent[]>();
  private readonly listeners = new Set<() => void>();

  async append(sessionId: string, events: readonly NewSessionEvent[]): Promise<SessionEvent[]> {
    const stream = this.stream(sessionId);
    const appended = events.map((e): SessionEvent => {
      const seq = stream.length + 1;
      const event = {
        id: `0-${seq}`,
        seq,
        turn: e.turn,
        kind: e.kind,
        ts: e.ts ?? Date.now(),
        data: e.json === undefined ? structuredClone(e.data) : JSON.parse(e.json),
      };
      stream.push(event);
      return event;
    });
    for (const wake of [...this.listeners]) wake();
    return appended;
  }

  async lastId(sessionId: string): Promise<string | undefined> {
    return this.stream(sessionId).at(-1)?.id;
  }

  async turnEvents(sessionId: string, turn: number): Promise<SessionEvent[]> {
    return this.stream(sessionId).filter((e) => e.turn === turn);
  }

  /** Every event of the session so far (a spec's view of what clients would see). */
  all(sessionId: string): SessionEvent[] {
    return [...this.stream(sessionId)];
  }

  async events(sessionId: string, options: RelayReadOptions): Promise<EventPage> {
    const page = (): EventPage => {
      const events = this.after(sessionId, options.after).slice(0, options.limit);
      return {
        events,
        next: events.at(-1)?.id ?? options.after ?? START_CURSOR,
        truncated: false,
      };
    };
    const first = page();
    if (first.events.length > 0 || !options.waitMs) return first;
    await this.nextAppend(options.waitMs, options.signal);
    return page();
  }

  async follow(
    sessionId: string,
    after: string | undefined,
    onEvent: (event: SessionEvent) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    let cursor = after;
    while (!signal.aborted) {
      const pending = this.after(sessionId, cursor);
      for (const event of pending) {
        if (signal.aborted) return cursor;
        await onEvent(event);
        cursor = event.id;
      }
      if (pending.length === 0) await this.nextAppend(60_000, signal);
    }
    return cursor;
  }

  private after(sessionId: string, cursor: string | undefined): SessionEvent[] {
    return this.stream(sessionId).filter((e) => e.seq > seqOf(cursor));
  }

  private stream(sessionId: string): SessionEvent[] {
    let stream = this.streams.get(sessionId);
    if (!stream) this.streams.set(sessionId, (stream = []));
    return stream;
  }

  /** Resolves on the next append anywhere, the deadline, or the signal. */
  private nextAppend(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms).unref();
      this.listeners.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
