import { EVENT_KINDS, type EventKind, type NewSessionEvent } from '@app/contracts';
import { InvalidEventCursorError, InvalidSessionEventError } from './errors';

/** A NewSessionEvent ready for the append script: data serialized once, so its size is known. */
export interface EncodedEvent {
  turn: number;
  kind: EventKind;
  ts: number;
  json: string;
  /** UTF-8 size of json: what backpressure and batching count. */
  bytes: number;
}

/** Redis' reply shape for XRANGE: [id, [field, value, field, value, ...]]. */
export type StreamEntry = [id: string, fields: string[]];

/** The cursor meaning "before the first event": XRANGE (0-0 returns everything, no id is 0-0. */
export const START_CURSOR = '0-0';

export const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);
const STREAM_ID = /^\d{1,20}(-\d{1,20})?$/;

export function encodeEvent(event: NewSessionEvent, now: number): EncodedEvent {
  if (!Number.isSafeInteger(event.turn) || event.turn < 0) {
    throw new InvalidSessionEventError(`turn must be a non-negative integer, got ${event.turn}`);
  }
  if (!KINDS.has(event.kind)) {
    throw new InvalidSessionEventError(
      `kind must be one of ${EVENT_KINDS.join(', ')}, got ${JSON.stringify(event.kind)}`,
    );
  }
  // JSON.stringify(undefined) is undefined, which Redis can't store; null is its JSON reading.
  const json = event.json ?? JSON.stringify(event.data) ?? 'null';
  const ts = Math.trunc(event.ts ?? now);
  return { turn: event.turn, kind: event.kind, ts, json, bytes: Buffer.byteLength(json) };
}

/** Appends the events to the script's ARGV: turn, kind, ts, data per event. */
export function pushEventArgs(args: string[], events: readonly EncodedEvent[]): string[] {
  for (const e of events) args.push(String(e.turn), e.kind, String(e.ts), e.json);
  return args;
}

export function assertCursor(cursor: string): void {
  if (!STREAM_ID.test(cursor)) throw new InvalidEventCursorError(cursor);
}

/** A stream id split into its parts (ms and seq are below 2^53 for every id we write). */
export interface IdParts {
  ms: number;
  seq: number;
}

export function idParts(id: string): IdParts {
  const dash = id.indexOf('-');
  if (dash < 0) return { ms: Number(id), seq: 0 };
  return { ms: Number(id.slice(0, dash)), seq: Number(id.slice(dash + 1)) };
}

/** Orders two stream ids like Redis does: <0, 0 or >0. */
export function compareIds(a: IdParts, b: IdParts): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.seq - b.seq;
}
