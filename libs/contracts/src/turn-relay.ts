import { PermissionRequestDataSchema } from './approvals';
import type { SessionEvent } from './events';

/**
 * Which events of a session's stream a waited call relays as progress, from its cursor until its
 * turn ends. The one rule for the call itself and for a replay of the call's SSE stream on any
 * replica, which regenerates those notifications from the session's stream instead of reading
 * each back from a copy.
 */
export interface TurnRelayPlan {
  sessionId: string;
  turn: number;
  /** The cursor the relay reads on from (exclusive). */
  after: string;
  /** A permission prompt of the turn ends the relay (the call answers `waiting` with it). */
  endsAtPrompt: boolean;
}

/**
 * Whether the call relays this event: a cursor may predate the end of an earlier turn still
 * running (a message sent while it ran), whose events are not the call's; a gap always is.
 */
export function relaysEvent(plan: Pick<TurnRelayPlan, 'turn'>, event: SessionEvent): boolean {
  return event.turn >= plan.turn || event.kind === 'gap';
}

/** How a turn's relay ends. */
export type TurnRelayEnd = 'idle' | 'failed' | 'terminated' | 'waiting';

/**
 * The end this event makes of the relay, if it ends it: the session terminated, the turn's
 * closing status (idle once its checkpoint is stored, failed), or its permission prompt when the
 * call returns at prompts.
 */
export function turnRelayEnd(
  plan: Pick<TurnRelayPlan, 'turn' | 'endsAtPrompt'>,
  event: SessionEvent,
): TurnRelayEnd | undefined {
  const data = event.data as Record<string, unknown> | null;
  if (event.kind === 'status' && data?.status === 'terminated') return 'terminated';
  if (event.turn !== plan.turn) return undefined;
  if (event.kind === 'permission_request' && plan.endsAtPrompt) {
    return PermissionRequestDataSchema.safeParse(event.data).success ? 'waiting' : undefined;
  }
  if (event.kind === 'status' && (data?.status === 'idle' || data?.status === 'failed')) {
    return data.status;
  }
  return undefined;
}
