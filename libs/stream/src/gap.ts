import type { SessionEvent } from '@app/contracts';
import { idParts, START_CURSOR } from './codec';
import type { EventPage } from './session-event-log';

/**
 * A page as a reader should see it: when events after its cursor were trimmed from the stream
 * before it read them, a `gap` event `{ from, to, count }` (the seqs it will never get) comes
 * first, never a silent loss. Its id sits just before the first retained event, so a cursor
 * taken from it reads on from there.
 */
export function withGap(page: EventPage, after: string | undefined): SessionEvent[] {
  const first = page.events[0];
  if (!page.truncated || !first) return page.events;
  const from = idParts(after ?? START_CURSOR).seq + 1;
  const to = first.seq - 1;
  const gap: SessionEvent = {
    id: `${idParts(first.id).ms}-${to}`,
    seq: to,
    turn: first.turn,
    kind: 'gap',
    ts: first.ts,
    data: { from, to, count: to - from + 1 },
  };
  return [gap, ...page.events];
}
