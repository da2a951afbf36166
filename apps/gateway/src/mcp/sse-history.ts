import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import {
  formatPosition,
  parsePosition,
  type RelayPosition,
  type StoredRelay,
} from './relayed-progress';

/*
 * How an SSE stream's history (one Redis stream per MCP session and SSE stream) stores what a
 * replay needs. Fields of an entry: `t` the tenant; then the message as JSON (`m`), or a progress
 * notification as its parts (`k` token, `n` count, `e` message text), or a relay's start (`f`);
 * and `r`, where the stream's relay stood when the entry was written (see relayed-progress.ts).
 */

/** One entry as a replay reads it. */
export interface HistoryEntry {
  id: string;
  /** What the client gets for it; none for the priming event or a relay's start. */
  message?: JSONRPCMessage;
  relay?: StoredRelay;
  /** After how many relayed notifications it was written (absent: none yet). */
  at?: RelayPosition;
}

/**
 * A message's fields: a progress notification as its parts (token, count, and its message text
 * as it is), since stringifying the whole notification again (escaping the event JSON inside it)
 * was the gateway's largest cost per message after the socket writes; anything else as JSON.
 */
export function messageFields(message: JSONRPCMessage): string[] {
  if (!('method' in message) || message.method !== 'notifications/progress') {
    return ['m', JSON.stringify(message)];
  }
  const { progressToken, progress, message: text, ...rest } = message.params ?? {};
  const plain =
    (typeof progressToken === 'string' || typeof progressToken === 'number') &&
    typeof progress === 'number' &&
    typeof text === 'string' &&
    Object.keys(rest).length === 0;
  if (!plain) return ['m', JSON.stringify(message)];
  return ['k', JSON.stringify(progressToken), 'n', String(progress), 'e', text];
}

export function relayFields(relay: StoredRelay): string[] {
  return ['f', JSON.stringify(relay)];
}

export function positionFields(at: RelayPosition | string | undefined): string[] {
  if (at === undefined) return [];
  return ['r', typeof at === 'string' ? at : formatPosition(at)];
}

/** The entry; another tenant's reads as empty (a replay never crosses tenants). */
export function historyEntryOf(id: string, fields: string[], tenant: string): HistoryEntry {
  const entry = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) entry.set(fields[i], fields[i + 1]);
  if (entry.get('t') !== tenant) return { id };
  const at = parsePosition(entry.get('r'));
  return { id, ...(at ? { at } : {}), ...parsed(entry) };
}

function parsed(entry: Map<string, string>): Pick<HistoryEntry, 'message' | 'relay'> {
  try {
    if (entry.has('e')) return { message: progressOf(entry) };
    if (entry.has('f')) return { relay: relayOf(JSON.parse(entry.get('f') ?? 'null')) };
    const message = JSON.parse(entry.get('m') ?? 'null') as { jsonrpc?: unknown } | null;
    // The SDK's priming event is stored as `{}`: nothing to send.
    return message?.jsonrpc === '2.0' ? { message: message as JSONRPCMessage } : {};
  } catch {
    return {};
  }
}

/** A progress notification stored as its parts, rebuilt with the same keys in the same order. */
function progressOf(entry: Map<string, string>): JSONRPCMessage | undefined {
  const progressToken = JSON.parse(entry.get('k') ?? 'null') as unknown;
  const progress = Number(entry.get('n'));
  if (typeof progressToken !== 'string' && typeof progressToken !== 'number') return undefined;
  if (!Number.isFinite(progress)) return undefined;
  return {
    jsonrpc: '2.0',
    method: 'notifications/progress',
    params: { progressToken, progress, message: entry.get('e') },
  };
}

function relayOf(value: unknown): StoredRelay | undefined {
  const relay = value as Partial<StoredRelay> | null;
  const plan = relay?.plan;
  const token = relay?.progressToken;
  if (!plan || typeof plan.sessionId !== 'string' || typeof plan.after !== 'string') return;
  if (typeof plan.turn !== 'number' || typeof plan.endsAtPrompt !== 'boolean') return;
  if (typeof token !== 'string' && typeof token !== 'number') return;
  if (typeof relay.sentBefore !== 'number') return;
  return relay as StoredRelay;
}

/** Orders two stream ids (`<ms>-<seq>`) like Redis does: <0, 0 or >0. */
export function compareIds(a: string, b: string): number {
  const [am, as] = idParts(a);
  const [bm, bs] = idParts(b);
  return am !== bm ? am - bm : as - bs;
}

/** The id just before `id`: reading after it starts at `id` itself. */
export function idBefore(id: string): string {
  const [ms, seq] = idParts(id);
  if (seq > 0) return `${ms}-${seq - 1}`;
  return ms > 0 ? `${ms - 1}-18446744073709551615` : id;
}

function idParts(id: string): [number, number] {
  const dash = id.indexOf('-');
  return dash < 0 ? [Number(id), 0] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}
