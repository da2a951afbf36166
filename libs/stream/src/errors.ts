import { ClientError } from '@app/contracts';

/** A cursor that is not a Redis stream id; Redis would reject it with a vaguer message. */
export class InvalidEventCursorError extends ClientError {
  override readonly name = 'InvalidEventCursorError';
  constructor(readonly cursor: string) {
    super(
      `Invalid event cursor ${JSON.stringify(cursor)}: expected an event id such as ` +
        `"1700000000000-0" (the "id" or "next" of an earlier response); omit it to start at the beginning`,
    );
  }
}

/** The Lua append script answered something other than the ids it promises. */
export class UnexpectedScriptReplyError extends Error {
  override readonly name = 'UnexpectedScriptReplyError';
  constructor(script: string, reply: unknown) {
    super(
      `Redis script ${script} returned an unexpected reply (${JSON.stringify(reply)?.slice(0, 200)}); ` +
        `is another version of this service writing the same keys?`,
    );
  }
}

/** push() after close(): the turn already ended, the event would never be written. */
export class EventWriterClosedError extends Error {
  override readonly name = 'EventWriterClosedError';
  constructor(readonly sessionId: string) {
    super(`EventWriter for session ${sessionId} is closed; create a new writer for the next turn`);
  }
}

/** flush() did not complete in time; the events stay buffered and the writer keeps retrying. */
export class EventFlushTimeoutError extends Error {
  override readonly name = 'EventFlushTimeoutError';
  constructor(
    readonly sessionId: string,
    readonly pendingEvents: number,
    timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Session ${sessionId}: ${pendingEvents} event(s) not in Redis after ${timeoutMs} ms ` +
        `(still buffered, still retrying); check that Redis is reachable` +
        (options?.cause instanceof Error ? `; last error: ${options.cause.message}` : ''),
      options,
    );
  }
}

/** A flush has been stuck (no reply, no error) for longer than stallTimeoutMs. */
export class EventWriterStalledError extends Error {
  override readonly name = 'EventWriterStalledError';
  constructor(
    readonly sessionId: string,
    readonly pendingEvents: number,
    stalledMs: number,
  ) {
    super(
      `Session ${sessionId}: appending ${pendingEvents} event(s) to Redis has had no answer for ` +
        `${stalledMs} ms; Redis is probably down or unreachable (events stay buffered)`,
    );
  }
}

/** Relay used after close(). */
export class EventRelayClosedError extends Error {
  override readonly name = 'EventRelayClosedError';
  constructor() {
    super('EventRelay is closed; create a new one (it owns its subscriber connection)');
  }
}

/** An event that the stream cannot store as given (caller bug: wrong turn or kind). */
export class InvalidSessionEventError extends Error {
  override readonly name = 'InvalidSessionEventError';
  constructor(detail: string) {
    super(`Invalid session event: ${detail}`);
  }
}

/** An earlier batch of the same writer never arrived; the writer must resend from it. */
export class MissingBatchError extends Error {
  override readonly name = 'MissingBatchError';
  constructor(sessionId: string, batchNumber: number) {
    super(
      `Session ${sessionId}: batch ${batchNumber} arrived before an earlier batch of the same ` +
        `writer; resending from the oldest unconfirmed batch`,
    );
  }
}
