import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import type { SessionEvent } from './api-types.mts';
import { Conversation, type Item } from './conversation.mts';
import { EventFeed, type FeedState } from './event-feed.mts';
import { promptOf } from './prompts.mts';

export interface SessionFeed {
  items: readonly Item[];
  /** Every event received, in order (grows in place: `count` says when it changed). */
  events: readonly SessionEvent[];
  count: number;
  state: FeedState;
  /** Bumped by events after which the session's status, cost or checkpoints change. */
  changes: number;
  /** Requests still waiting for an answer. */
  pending: Conversation['pending'];
  /** This tab sent `message` as turn `turn`. */
  prompted(turn: number, message: string): void;
}

/** Events after which session_status reads differently. */
const CHANGING = new Set(['status', 'checkpoint', 'permission_request', 'permission_resolved']);

/**
 * The session's events from the start, live, into its conversation: one EventFeed per session
 * page, stopped when the page goes.
 */
export function useSessionFeed(api: ApiClient, sessionId: string): SessionFeed {
  const conversation = useMemo(
    () => new Conversation((turn) => promptOf(sessionId, turn)),
    [sessionId],
  );
  const events = useMemo<SessionEvent[]>(() => [], [sessionId]);
  const [view, setView] = useState({ items: conversation.snapshot, count: 0, changes: 0 });
  const [state, setState] = useState<FeedState>({ kind: 'connecting' });

  useEffect(() => {
    const feed = new EventFeed(api, sessionId, {
      events(batch) {
        events.push(...batch);
        conversation.apply(batch);
        const changed = batch.some(
          (e) => CHANGING.has(e.kind) || (e.kind === 'claude' && isResult(e.data)),
        );
        setView((v) => ({
          items: conversation.snapshot,
          count: events.length,
          changes: v.changes + (changed ? 1 : 0),
        }));
      },
      state: setState,
    });
    feed.start();
    return () => feed.stop();
  }, [api, sessionId]);

  const prompted = (turn: number, message: string) => {
    conversation.prompted(turn, message);
    setView((v) => ({ ...v, items: conversation.snapshot }));
  };
  return { ...view, events, state, pending: conversation.pending, prompted };
}

function isResult(data: unknown): boolean {
  return (data as { type?: unknown } | null)?.type === 'result';
}
