import { DEFAULT_EVENT_STREAM } from './session-event-stream';

/** The prose of the OpenAPI document: the error answers and the event stream's contract. */

interface ErrorResponse {
  status: number;
  description: string;
  headers?: Record<string, unknown>;
}

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
};

export const ERROR_RESPONSES = {
  BadRequest: {
    status: 400,
    description:
      'The request does not fit the schema (InvalidArguments, listing the issues), its body is ' +
      'not JSON (InvalidJson), or it cannot be served as asked (InvalidRequest and others).',
  },
  Unauthorized: {
    status: 401,
    description: 'No bearer key in the Authorization header, or not a valid one.',
    headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
  },
  PaymentRequired: {
    status: 402,
    description: 'A budget is spent (BudgetExceeded): the message names it and how to raise it.',
  },
  Forbidden: {
    status: 403,
    description:
      'A gateway without keys answers only requests addressed to this machine; an operator key ' +
      'may read but not change (OperatorReadOnly) and starts no session (OperatorNoTenant).',
  },
  NotFound: {
    status: 404,
    description:
      'No such session or checkpoint for you (another tenant’s ids answer the same), or no such ' +
      'workspace path.',
  },
  Conflict: {
    status: 409,
    description:
      'The session’s state does not allow it: SessionClosed, IllegalTransition, ' +
      'ApprovalNotPending, ApprovalAlreadyAnswered.',
  },
  PayloadTooLarge: {
    status: 413,
    description: 'The body is over 4 MiB, or a workspace seed over your workspaceBytes quota.',
  },
  UnsupportedMediaType: { status: 415, description: 'The body is not application/json.' },
  TooManyRequests: {
    status: 429,
    description:
      'A quota of yours (QuotaExceeded: requestsPerMinute, maxSessions, maxQueuedTurns), with ' +
      'Retry-After; nothing was created or queued.',
    headers: retryAfter,
  },
  ServiceUnavailable: {
    status: 503,
    description: 'Redis or the object store is not answering; retry shortly.',
    headers: retryAfter,
  },
} satisfies Record<string, ErrorResponse>;

type ErrorName = keyof typeof ERROR_RESPONSES;

/** The refusals an operation can answer, as references to the shared responses. */
export function errorResponses(can: {
  session: boolean;
  body: boolean;
  conflicts: boolean;
  spends: boolean;
}): Record<string, { $ref: string }> {
  const names: ErrorName[] = [
    'BadRequest',
    'Unauthorized',
    'Forbidden',
    'TooManyRequests',
    'ServiceUnavailable',
    ...(can.session ? (['NotFound'] as const) : []),
    ...(can.conflicts ? (['Conflict'] as const) : []),
    ...(can.spends ? (['PaymentRequired'] as const) : []),
    ...(can.body ? (['PayloadTooLarge', 'UnsupportedMediaType'] as const) : []),
  ];
  return Object.fromEntries(
    names.map((name) => [
      String(ERROR_RESPONSES[name].status),
      { $ref: `#/components/responses/${name}` },
    ]),
  );
}

const FOLLOWING =
  'A waited request (`wait: true`) is held until the turn ends and answers with its CLI ' +
  '`result`; a turn that failed still answers, with status `failed`, `error` and `errorCode`; ' +
  'a permission prompt (permissions "ask") answers at once with status `waiting` and the ' +
  '`pending` request; a turn longer than TURN_WAIT_MAX_MS answers status `running` with the ' +
  '`events` cursor. A waited request whose client goes away interrupts its turn, as over MCP: ' +
  'to let a turn run unwatched, send without `wait` and follow GET ' +
  '/sessions/{sessionId}/events.';

/**
 * Operations whose tool's own description speaks MCP (structuredContent, progress
 * notifications, tasks) where an HTTP client needs other words; the rest use the tool's.
 */
export const OPERATION_DESCRIPTIONS: Readonly<Record<string, string>> = {
  session_start:
    'Starts a session with a first prompt, optionally on a seeded workspace or forked from a ' +
    'checkpoint. Without `wait` it answers at once with status `queued`; the Location header ' +
    `names the session. ${FOLLOWING}`,
  session_send:
    'Sends a follow-up message (a new turn). Without `wait` it answers 202 with status ' +
    '`queued` and `events`, the cursor to follow the turn from (`?after=` of the event ' +
    `stream). ${FOLLOWING}`,
};

export const EVENTS_DESCRIPTION = [
  'The session’s events (`#/components/schemas/SessionEvent`, the shape session_events ' +
    'answers), oldest first, then live as they happen, across turns, from any gateway replica.',
  'Each event is one SSE message: `id:` is the event id and `data:` the event as JSON. To ' +
    'resume after a disconnect, reconnect with `Last-Event-ID: <the last id received>` (what ' +
    'EventSource does by itself) or `?after=<id>`: every event comes exactly once. Without ' +
    'either, the stream starts at the session’s first retained event (a `gap` event says what ' +
    'was trimmed).',
  `While nothing happens a comment line (\`: heartbeat\`) is sent every ` +
    `${DEFAULT_EVENT_STREAM.heartbeatMs / 1000} s, so proxies keep ` +
    'the connection. The stream stays open while the session lives; once the session is ' +
    'terminated it sends the terminating status event, then `event: end` (data `{ status }`) ' +
    'and closes; a reconnect with nothing left after its cursor answers 204, which stops an ' +
    'EventSource. A stopping gateway closes its streams: reconnect (any replica) with ' +
    'Last-Event-ID.',
  'The key goes in the Authorization header like everywhere else (a browser’s EventSource ' +
    'cannot send one: read the stream with fetch).',
].join('\n\n');
