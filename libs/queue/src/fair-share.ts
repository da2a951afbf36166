import { PRIORITY_LIMIT } from 'bullmq';

/**
 * How the turn queue orders turns (TURN_DISPATCH). `fair`: round-robin across tenants by BullMQ
 * priorities (see fairPriority). `fifo`: in the order they were queued, whoever queued them.
 */
export type TurnDispatch = 'fair' | 'fifo';

/**
 * A turn's priority under fair dispatch: its place in its tenant's own backlog when it was
 * admitted (the tenant's queued turns, itself included), but never ahead of the turn before it
 * in its session while that one still waits.
 *
 * BullMQ (open source) has no groups, but it takes the lowest priority first and, among equal
 * priorities, the oldest first. So every tenant's k-th queued turn goes before any tenant's
 * (k+1)-th: tenants take turns, and a tenant that queued one turn is served next however many a
 * noisy one queued. Priority 0 would mean "none" and run before every prioritized job, so the
 * lowest used is 1; the highest is BullMQ's limit (2^21 - 1), a backlog far beyond any quota.
 *
 * A priority is fixed when the turn is queued, so a session's next turn, queued once the
 * tenant's backlog has shrunk, could get a lower number than the one before it; taking the
 * predecessor's keeps a session's turns in order in the queue (the worker checks the order
 * anyway, for turns that come back from a hand-over or a crash).
 */
export function fairPriority(backlog: number, predecessor = 0): number {
  const place = Number.isFinite(backlog) ? Math.floor(backlog) : 1;
  return Math.min(PRIORITY_LIMIT, Math.max(1, place, predecessor));
}
