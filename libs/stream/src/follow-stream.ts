import type { SessionEvent } from '@app/contracts';
import { compareIds, idParts, START_CURSOR } from './codec';
import { decodeNotification } from './entry-decoder';
import { EventsTruncatedError } from './errors';
import type { EventPage, SessionEventLog } from './session-event-log';
import { sleep } from './timing';
import type { TakenMessages, Watch } from './watch';

const RETRY_MAX_MS = 2_000;

export interface FollowSettings {
  pageSize: number;
  recheckMs: number;
  retryMinMs: number;
  onError: (error: Error) => void;
  onTruncated?: (gap: { sessionId: string; after: string }) => void;
}

/**
 * One follow(): catches up by reading, then lives off the notifications. A notification whose
 * events continue the cursor exactly (next seq) is delivered as is; anything else (a gap, an
 * id-only notification, a reconnect, the periodic recheck) falls back to reading the stream.
 */
export class FollowLoop {
  private cursor: string | undefined;

  constructor(
    private readonly log: SessionEventLog,
    private readonly watch: Watch,
    private readonly sessionId: string,
    private readonly onEvent: (event: SessionEvent) => void | Promise<void>,
    private readonly stop: AbortSignal,
    private readonly settings: FollowSettings,
  ) {}

  /** Resolves with the last delivered event's id (or the start cursor) once stopped. */
  async run(after: string | undefined): Promise<string | undefined> {
    this.cursor = after;
    let mustRead = true;
    while (!this.stop.aborted) {
      if (mustRead) {
        const page = await this.readWithRetry();
        if (!page) break;
        await this.deliver(page.events);
        mustRead = page.events.length === this.settings.pageSize;
        continue;
      }
      const notified = await this.watch.wait(this.settings.recheckMs, this.stop);
      const inline = notified ? this.continuation(this.watch.takeMessages()) : undefined;
      if (inline) await this.deliver(inline);
      else mustRead = true;
    }
    return this.cursor;
  }

  private async readWithRetry(): Promise<EventPage | undefined> {
    let retryMs = this.settings.retryMinMs;
    while (!this.stop.aborted) {
      try {
        const page = await this.log.read(this.sessionId, {
          after: this.cursor,
          limit: this.settings.pageSize,
        });
        if (page.truncated) this.reportGap();
        return page;
      } catch (error) {
        if (error instanceof EventsTruncatedError) throw error;
        this.settings.onError(error instanceof Error ? error : new Error(String(error)));
        await sleep(retryMs, this.stop);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
    return undefined;
  }

  /** The notified events after the cursor, if they continue it without a gap. */
  private continuation({ messages, complete }: TakenMessages): SessionEvent[] | undefined {
    if (!complete || messages.length === 0) return undefined;
    const events: SessionEvent[] = [];
    let last = idParts(this.cursor ?? START_CURSOR);
    for (const message of messages) {
      const carried = decodeNotification(message);
      if (!carried) return undefined;
      for (const event of carried) {
        const id = idParts(event.id);
        if (compareIds(id, last) <= 0) continue; // already read from the stream
        if (event.seq !== last.seq + 1) return undefined;
        events.push(event);
        last = id;
      }
    }
    return events;
  }

  private async deliver(events: SessionEvent[]): Promise<void> {
    for (const event of events) {
      if (this.stop.aborted) return;
      const pending = this.onEvent(event);
      if (pending) await pending; // a synchronous handler costs no extra tick per event
      this.cursor = event.id;
    }
  }

  private reportGap(): void {
    const after = this.cursor ?? START_CURSOR;
    if (!this.settings.onTruncated) throw new EventsTruncatedError(this.sessionId, after);
    this.settings.onTruncated({ sessionId: this.sessionId, after });
  }
}
