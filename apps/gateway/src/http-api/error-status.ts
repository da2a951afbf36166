import { CheckpointNotFound, ObjectStoreUnavailable } from '@app/checkpoint';
import { ClientError, QuotaExceeded } from '@app/contracts';
import { isRedisUnavailable } from '@app/redis';
import {
  ApprovalAlreadyAnswered,
  ApprovalNotPending,
  IllegalTransition,
  SessionClosed,
  SessionNotFound,
} from '@app/sessions';
import { BudgetExceeded } from '@app/usage';
import { WorkspacePathNotFound } from '@app/workspace';
import { ApiError } from './api-error';

/** What an error's answer needs beyond the error itself. */
export interface RefusalHints {
  /** Idle sessions hibernate after this long, freeing maxSessions slots (SESSION_IDLE_MS). */
  sessionIdleMs: number;
}

/** Typed errors with a status of their own; any other ClientError is the caller's: 400. */
const STATUS_OF: ReadonlyArray<[new (...args: never[]) => Error, number]> = [
  [SessionNotFound, 404],
  [CheckpointNotFound, 404],
  [WorkspacePathNotFound, 404],
  [SessionClosed, 409],
  [IllegalTransition, 409],
  [ApprovalNotPending, 409],
  [ApprovalAlreadyAnswered, 409],
  // Spend, not rate: waiting does not help (the message says which budget to raise).
  [BudgetExceeded, 402],
];

/**
 * The HTTP answer to what a tool handler threw: the typed error's name as the code and its own
 * message (it says what to do); a server fault answers 500 without its details (logged instead).
 */
export function apiErrorOf(error: unknown, hints: RefusalHints): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof QuotaExceeded) return quotaRefusal(error, hints);
  if (error instanceof ClientError) {
    const status = STATUS_OF.find(([type]) => error instanceof type)?.[1] ?? 400;
    return new ApiError(status, error.name, error.message);
  }
  if (isRedisUnavailable(error) || error instanceof ObjectStoreUnavailable) {
    return new ApiError(
      503,
      'ServiceUnavailable',
      'Service Unavailable: the gateway could not reach its storage (Redis or the object store); ' +
        'retry shortly',
      { headers: { 'Retry-After': '1' } },
    );
  }
  return new ApiError(
    500,
    'InternalError',
    'The gateway failed to serve this request; the operator finds why in its logs',
  );
}

/**
 * 429 with Retry-After: when the quota knows (requestsPerMinute), else when a slot may free up:
 * idle sessions hibernate after SESSION_IDLE_MS (maxSessions), queued turns start within seconds
 * (maxQueuedTurns). A seed over workspaceBytes is too large whenever it is sent: 413.
 */
function quotaRefusal(error: QuotaExceeded, hints: RefusalHints): ApiError {
  const { use } = error;
  if (use.quota === 'workspaceBytes') {
    return new ApiError(413, error.name, error.message, { quota: use });
  }
  const retryAfter =
    use.retryAfterSeconds ??
    (use.quota === 'maxSessions' ? Math.max(1, Math.ceil(hints.sessionIdleMs / 1000)) : 1);
  return new ApiError(429, error.name, error.message, {
    quota: use,
    headers: { 'Retry-After': String(retryAfter) },
  });
}
