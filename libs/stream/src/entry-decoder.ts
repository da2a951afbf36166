import type { EventKind, SessionEvent } from '@app/contracts';
import { KINDS, type StreamEntry } from './codec';

/** The fields of one stored event, as text, before validation. */
interface RawEvent {
  id: string;
  seq?: string;
  turn?: string;
  kind?: string;
  ts?: string;
  data?: string;
}

const INT = /^\d{1,15}$/;

/**
 * An XRANGE entry as a SessionEvent. A malformed entry (written by hand, by an older version,
 * or damaged) becomes an `error` event at its place in the stream, so readers neither crash nor
 * stall on it and cursors move past it.
 */
export function decodeEntry([id, fields]: StreamEntry): SessionEvent {
  return validate(rawFromFields(id, fields), fields);
}

/**
 * The events a notification carries (see scripts.ts), or undefined when it only names the last
 * id (the batch was too large to inline) or is not in a format this version knows.
 */
export function decodeNotification(message: string): SessionEvent[] | undefined {
  if (!message.startsWith('e1\n')) return undefined;
  const p = message.split('\n');
  if ((p.length - 1) % 6 !== 0) return undefined;
  const events: SessionEvent[] = [];
  for (let i = 1; i < p.length; i += 6) {
    const raw = {
      id: p[i],
      seq: p[i + 1],
      turn: p[i + 2],
      kind: p[i + 3],
      ts: p[i + 4],
      data: p[i + 5],
    };
    events.push(validate(raw, p.slice(i + 1, i + 6)));
  }
  return events;
}

function rawFromFields(id: string, fields: string[]): RawEvent {
  // Fast path: the order the append script writes.
  if (fields.length === 10 && fields[0] === 'seq' && fields[8] === 'data') {
    return { id, seq: fields[1], turn: fields[3], kind: fields[5], ts: fields[7], data: fields[9] };
  }
  const raw: RawEvent = { id };
  if (!Array.isArray(fields)) return raw;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    if (name === 'seq' || name === 'turn' || name === 'kind' || name === 'ts' || name === 'data') {
      raw[name] = fields[i + 1];
    }
  }
  return raw;
}

function validate(raw: RawEvent, original: unknown): SessionEvent {
  const seq = toInt(raw.seq);
  const turn = toInt(raw.turn);
  const ts = toInt(raw.ts);
  const kind = raw.kind !== undefined && KINDS.has(raw.kind) ? (raw.kind as EventKind) : undefined;
  const data = parseJson(raw.data);
  if (seq === undefined || turn === undefined || ts === undefined || !kind || data === INVALID) {
    return malformed(raw.id, original, seq, turn);
  }
  return { id: raw.id, seq, turn, kind, ts, data };
}

function toInt(text: string | undefined): number | undefined {
  return text !== undefined && INT.test(text) ? Number(text) : undefined;
}

const INVALID = Symbol('invalid JSON');

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return INVALID;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID;
  }
}

function malformed(
  id: string,
  original: unknown,
  seq: number | undefined,
  turn: number | undefined,
): SessionEvent {
  const excerpt = JSON.stringify(original)?.slice(0, 200) ?? '';
  return {
    id,
    seq: seq ?? 0,
    turn: turn ?? 0,
    kind: 'error',
    ts: idMillis(id),
    data: { reason: 'malformed_stream_entry', excerpt },
  };
}

/** The millisecond part of a stream id: when Redis stored the entry. */
function idMillis(id: string): number {
  const ms = Number(String(id).split('-')[0]);
  return Number.isFinite(ms) ? ms : 0;
}
