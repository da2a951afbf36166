/**
 * The REST routes of /api/v1, each served by one MCP tool: its input schema validates the
 * request (path parameters, then the query string for GET and DELETE or the JSON body for POST)
 * and its handler answers it, so a route and its tool cannot drift apart. The router and the
 * OpenAPI document are both built from this one table.
 */

export type ApiMethod = 'GET' | 'POST' | 'DELETE';

/** Groups of the OpenAPI document. */
export type ApiTag =
  'sessions' | 'approvals' | 'checkpoints' | 'workspace' | 'events' | 'usage' | 'webhooks' | 'meta';

export interface ToolRoute {
  method: ApiMethod;
  /** Under /api/v1, in OpenAPI template syntax: `{name}` is a path parameter, one segment. */
  path: string;
  /** The MCP tool (DESIGN.md names) whose schemas and handler serve the route. */
  tool: string;
  operationId: string;
  summary: string;
  tag: ApiTag;
  /** The status of a success; `queued: 202` answers 202 instead when the turn was only queued. */
  status: 200 | 201;
  queued?: 202;
  /** A success names the resource it created (`Location`), from the result. */
  location?: (result: Record<string, unknown>) => string | undefined;
  /** Refusals this route can answer besides the ones every route can. */
  conflicts?: boolean;
  spends?: boolean;
}

export const API_PREFIX = '/api/v1';

/** Where the OpenAPI document is served (no key needed: it holds no data). */
export const OPENAPI_PATH = '/openapi.json';

/** The live events of a session as Server-Sent Events (served by the session_events tool). */
export const EVENTS_ROUTE = {
  method: 'GET',
  path: '/sessions/{sessionId}/events',
  tool: 'session_events',
  operationId: 'session_events_stream',
  summary: 'Follow the events of a session live (Server-Sent Events)',
  tag: 'events',
} as const satisfies Omit<ToolRoute, 'status'>;

export const TOOL_ROUTES: readonly ToolRoute[] = [
  {
    method: 'GET',
    path: '/sessions',
    tool: 'session_list',
    operationId: 'session_list',
    summary: 'List your sessions, newest first (page with cursor = the previous next)',
    tag: 'sessions',
    status: 200,
  },
  {
    method: 'POST',
    path: '/sessions',
    tool: 'session_start',
    operationId: 'session_start',
    summary: 'Start a session with its first prompt',
    tag: 'sessions',
    status: 201,
    location: (r) => (typeof r.sessionId === 'string' ? sessionPath(r.sessionId) : undefined),
    conflicts: true,
    spends: true,
  },
  {
    method: 'GET',
    path: '/sessions/{sessionId}',
    tool: 'session_status',
    operationId: 'session_status',
    summary: 'Read a session: status, turns, usage, cost, pending permission requests',
    tag: 'sessions',
    status: 200,
  },
  {
    method: 'DELETE',
    path: '/sessions/{sessionId}',
    tool: 'session_terminate',
    operationId: 'session_terminate',
    summary: 'Terminate a session (it stays readable; its checkpoints stay forkable)',
    tag: 'sessions',
    status: 200,
  },
  {
    method: 'POST',
    path: '/sessions/{sessionId}/messages',
    tool: 'session_send',
    operationId: 'session_send',
    summary: 'Send a follow-up message (a new turn)',
    tag: 'sessions',
    status: 200,
    queued: 202,
    conflicts: true,
    spends: true,
  },
  {
    method: 'POST',
    path: '/sessions/{sessionId}/interrupt',
    tool: 'session_interrupt',
    operationId: 'session_interrupt',
    summary: 'Stop the running turn (turns queued behind it are dropped)',
    tag: 'sessions',
    status: 200,
  },
  {
    method: 'POST',
    path: '/sessions/{sessionId}/approvals/{requestId}',
    tool: 'session_respond',
    operationId: 'session_respond',
    summary: 'Answer a pending permission request (the first answer counts)',
    tag: 'approvals',
    status: 200,
    conflicts: true,
  },
  {
    method: 'GET',
    path: '/sessions/{sessionId}/checkpoints',
    tool: 'checkpoint_list',
    operationId: 'checkpoint_list',
    summary: 'List the checkpoints of a session, oldest first',
    tag: 'checkpoints',
    status: 200,
  },
  {
    method: 'POST',
    path: '/sessions/{sessionId}/checkpoints',
    tool: 'checkpoint_create',
    operationId: 'checkpoint_create',
    summary: 'Label the session’s state as of its last turn as a checkpoint',
    tag: 'checkpoints',
    status: 201,
  },
  {
    method: 'GET',
    path: '/sessions/{sessionId}/workspace/tree',
    tool: 'workspace_list',
    operationId: 'workspace_list',
    summary: 'List the workspace as of a checkpoint (default: the latest)',
    tag: 'workspace',
    status: 200,
  },
  {
    method: 'GET',
    path: '/sessions/{sessionId}/workspace/file',
    tool: 'workspace_read',
    operationId: 'workspace_read',
    summary: 'Read one workspace file as of a checkpoint (utf8 or base64)',
    tag: 'workspace',
    status: 200,
  },
  {
    method: 'GET',
    path: '/sessions/{sessionId}/workspace/diff',
    tool: 'workspace_diff',
    operationId: 'workspace_diff',
    summary: 'Unified diff of the workspace between two checkpoints (default: seed to latest)',
    tag: 'workspace',
    status: 200,
  },
  {
    method: 'GET',
    path: '/usage',
    tool: 'usage_report',
    operationId: 'usage_report',
    summary: 'Your turns, tokens and cost over a time window, by session, and today’s spend',
    tag: 'usage',
    status: 200,
  },
  {
    method: 'POST',
    path: '/webhook',
    tool: 'webhook_set',
    operationId: 'webhook_set',
    summary: 'Set (or replace) your webhook for session status changes; answers its secret once',
    tag: 'webhooks',
    status: 200,
  },
  {
    method: 'GET',
    path: '/webhook/deliveries',
    tool: 'webhook_deliveries',
    operationId: 'webhook_deliveries',
    summary: 'Your webhook (never its secret) and its delivery attempts, newest first',
    tag: 'webhooks',
    status: 200,
  },
];

export function sessionPath(sessionId: string): string {
  return `${API_PREFIX}/sessions/${encodeURIComponent(sessionId)}`;
}
