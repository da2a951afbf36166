import type { JSONRPCNotification, ProgressToken } from '@modelcontextprotocol/server';
import type { TurnRelayPlan } from '@app/contracts';

/*
 * A waited call's progress notifications are a pure function of the session events it relays
 * (and the call's progress token): the SSE stream of a 2025 MCP session stores, once per call,
 * which turn it relays (StoredRelay), and each notification's SSE id names its place in the relay
 * and its session event (RelayPosition). A replay on any replica derives them again from the
 * session's stream (StreamReplay) instead of reading a copy of each.
 */

/** What a stream's history keeps of a relayed turn: enough to derive its notifications. */
export interface StoredRelay {
  plan: TurnRelayPlan;
  progressToken: ProgressToken;
  /** Progress notifications the call had sent before the relay: the next one is this + 1. */
  sentBefore: number;
}

/** A place in a relay: after its `count`th notification, which relayed session event `eventId`. */
export interface RelayPosition {
  count: number;
  eventId: string;
}

const POSITION = /^(\d{1,15})\.(\d{1,20}-\d{1,20})$/;

/** `<count>.<event id>`: the tail of a relayed notification's SSE id, and what history entries record. */
export function formatPosition({ count, eventId }: RelayPosition): string {
  return `${count}.${eventId}`;
}

export function parsePosition(text: string | undefined): RelayPosition | undefined {
  const match = text === undefined ? null : POSITION.exec(text);
  return match ? { count: Number(match[1]), eventId: match[2] } : undefined;
}

/**
 * The notification relaying one session event (`eventJson`: the event as JSON text), keyed as the
 * SDK's Protocol builds it, so the SSE frame is the one the SDK would write (sdk-seam.spec.ts).
 */
export function progressNotification(
  progressToken: ProgressToken,
  progress: number,
  eventJson: string,
): JSONRPCNotification {
  return {
    jsonrpc: '2.0',
    method: 'notifications/progress',
    params: { progressToken, progress, message: eventJson },
  };
}

/** One SSE message frame, as the SDK's transport writes them. */
export function sseFrame(eventId: string | undefined, data: string): string {
  return eventId === undefined
    ? `event: message\ndata: ${data}\n\n`
    : `event: message\nid: ${eventId}\ndata: ${data}\n\n`;
}
