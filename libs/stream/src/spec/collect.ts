import type { SessionEvent } from '@app/contracts';
import type { EventRelay } from '../event-relay';

/** A running follow() and everything it delivered so far. */
export interface Follower {
  events: SessionEvent[];
  controller: AbortController;
  done: Promise<string | undefined>;
  /** Aborts and returns the cursor follow() resolved with. */
  stop(): Promise<string | undefined>;
}

export function startFollower(
  relay: EventRelay,
  sessionId: string,
  after?: string,
  options?: { slowEvery?: number },
): Follower {
  const events: SessionEvent[] = [];
  const controller = new AbortController();
  const done = relay.follow(
    sessionId,
    after,
    async (event) => {
      events.push(event);
      // An occasional slow consumer (an MCP transport write) must not reorder anything.
      if (options?.slowEvery && events.length % options.slowEvery === 0) {
        await new Promise((r) => setTimeout(r, 1));
      }
    },
    controller.signal,
  );
  return {
    events,
    controller,
    done,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

export function seqs(events: SessionEvent[]): number[] {
  return events.map((e) => e.seq);
}

export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
