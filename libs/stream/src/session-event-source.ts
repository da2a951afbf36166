import type { SessionEvent } from '@app/contracts';
import { compareIds, idParts, START_CURSOR } from './codec';
import { decodeNotification } from './entry-decoder';
import type { FollowSource } from './follow-stream';
import { withGap } from './gap';
import type { SessionEventLog } from './session-event-log';
import type { TakenMessages } from './watch';

/**
 * A session's event stream as a follow reads it: pages from the log (a trimmed stretch shows as
 * a `gap` event), and the events that the append script's notifications carry, taken as they
 * are when they continue the cursor exactly (next seq), so a live follow mostly needs no read.
 */
export class SessionEventSource implements FollowSource<SessionEvent> {
  constructor(
    private readonly log: SessionEventLog,
    private readonly sessionId: string,
  ) {}

  /** A page, with a `gap` event first where events after the cursor were trimmed. */
  async read(after: string | undefined, limit: number) {
    const page = await this.log.read(this.sessionId, { after, limit });
    return { items: withGap(page, after) };
  }

  continuation({ messages, complete }: TakenMessages, after: string | undefined) {
    if (!complete || messages.length === 0) return undefined;
    const events: SessionEvent[] = [];
    let last = idParts(after ?? START_CURSOR);
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
}
