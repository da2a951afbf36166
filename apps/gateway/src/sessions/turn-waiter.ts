import type { SessionEvent } from '@app/contracts';
import type { SessionControl } from '@app/sessions';
import type { EventRelay } from '@app/stream';

/** What waiting for a turn found: its `result` line, and the status that closed the turn. */
export type TurnEnd = {
  status: 'idle' | 'failed' | 'terminated' | 'running';
  result?: Record<string, unknown>;
  error?: string;
  /** The cursor after the last event relayed: `session_events { after }` goes on from here. */
  events: string;
};

export interface WaitContext {
  signal: AbortSignal;
  progress?: (message: string) => Promise<void>;
}

/** Why a turn's follow stops when the turn ends: a plain reason spares a DOMException per turn. */
const TURN_OVER = 'turn over';

/**
 * A waited call (`wait: true`): follows the session's events from a cursor until the turn ends,
 * relaying each as progress. A cancelled call interrupts the turn wherever it runs; a wait
 * longer than `maxWaitMs` answers "still running" with the cursor to go on from.
 */
export class TurnWaiter {
  private active = 0;
  private readonly idlers = new Set<() => void>();

  constructor(
    private readonly relay: Pick<EventRelay, 'follow'>,
    private readonly control: Pick<SessionControl, 'send'>,
    private readonly maxWaitMs: number,
  ) {}

  /** Resolves once no call waits (or after ms): how a stopping gateway lets waits finish. */
  idle(ms: number): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idlers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.idlers.add(done);
    });
  }

  async wait(sessionId: string, turn: number, cursor: string, ctx: WaitContext): Promise<TurnEnd> {
    this.active++;
    try {
      return await this.follow(sessionId, turn, cursor, ctx);
    } finally {
      if (--this.active === 0) for (const done of [...this.idlers]) done();
    }
  }

  private async follow(
    sessionId: string,
    turn: number,
    cursor: string,
    ctx: WaitContext,
  ): Promise<TurnEnd> {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), this.maxWaitMs);
    const onCancel = () => {
      stop.abort();
      void this.control.send(sessionId, 'interrupt');
    };
    ctx.signal.addEventListener('abort', onCancel, { once: true });
    const watch = new TurnWatch(turn);
    let found: Omit<TurnEnd, 'events'> | undefined;
    let next = cursor;
    try {
      await this.relay.follow(
        sessionId,
        cursor,
        async (event: SessionEvent) => {
          next = event.id;
          if (ctx.progress) await ctx.progress(JSON.stringify(event));
          found = watch.observe(event);
          if (found) stop.abort(TURN_OVER);
        },
        stop.signal,
      );
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onCancel);
    }
    return { ...(found ?? { status: 'running' }), events: next };
  }
}

/**
 * Follows one turn's events: the CLI's `result` line is kept, and the turn is over with the
 * worker's status event after it (idle once the checkpoint is stored, failed after a crash),
 * or with terminated. So a caller that sees the end sees a session that reads idle, and its
 * checkpoint.
 */
export class TurnWatch {
  private result: Record<string, unknown> | undefined;
  private error: string | undefined;

  constructor(private readonly turn: number) {}

  /** The turn's end, once this event closes it. */
  observe(event: SessionEvent): Omit<TurnEnd, 'events'> | undefined {
    const data = event.data as Record<string, unknown> | null;
    if (event.kind === 'status' && data?.status === 'terminated') return this.end('terminated');
    if (event.turn !== this.turn) return undefined;
    if (event.kind === 'claude' && data?.type === 'result') this.result = data;
    if (event.kind === 'error' && typeof data?.message === 'string') this.error = data.message;
    if (event.kind === 'status' && (data?.status === 'idle' || data?.status === 'failed')) {
      return this.end(data.status);
    }
    return undefined;
  }

  private end(status: TurnEnd['status']): Omit<TurnEnd, 'events'> {
    return { status, result: this.result, error: this.error };
  }
}
