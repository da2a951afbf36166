import { z } from 'zod';

/** Where an event came from. `claude` carries one CLI stdout line unchanged in `data`. */
export const EVENT_KINDS = [
  'claude',
  'status',
  'stderr',
  'parse_error',
  'checkpoint',
  'error',
  // A permission prompt waits for the client (session_respond): `{ requestId, tool, input,
  // suggestions, deadline }`; then how it was answered: `{ requestId, decision, by }`.
  'permission_request',
  'permission_resolved',
  // The turn runs again from its start on another worker: drop what was shown of it.
  'turn_restarted',
  // Events a reader had not read were trimmed from the stream: `{ from, to, count }` (seqs).
  'gap',
  // A budget stopped the turn (interrupted when it crossed the cap): `{ scope: 'session' |
  // 'tenant', budget: 'usd' | 'tokens', limit, used, detected, message }`; `used` is reconciled
  // with the CLI's figures at the turn's end, `detected` is what the worker saw when it stopped it.
  'budget_exceeded',
] as const;
export const EventKindSchema = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof EventKindSchema>;

/** One entry of a session's event stream; the same shape is relayed over MCP (DESIGN.md, fixed). */
export const SessionEventSchema = z.object({
  id: z.string(),
  seq: z.number().int().nonnegative(),
  turn: z.number().int().nonnegative(),
  kind: EventKindSchema,
  ts: z.number().int(),
  data: z
    .unknown()
    .describe(
      'What happened. For kind "claude": the Claude CLI\'s JSON line unchanged; its `session_id` ' +
        "is the Claude CLI's own session id (cliSessionId), not this backend's sessionId.",
    ),
});
export type SessionEvent = z.infer<typeof SessionEventSchema>;

/**
 * An event on its way into the stream: the log assigns `id` and `seq`, and `ts` when absent.
 * `json` is `data` already as JSON text (a CLI line exactly as printed), stored as is.
 */
export type NewSessionEvent = Pick<SessionEvent, 'turn' | 'kind' | 'data'> & {
  ts?: number;
  json?: string;
};

/** Payload of a `parse_error` event: the line was dropped, parsing went on. */
export const ParseErrorDataSchema = z.object({
  reason: z.enum(['invalid_json', 'not_an_object', 'line_too_long', 'truncated']),
  bytes: z.number().int().nonnegative(),
  excerpt: z.string(),
});
export type ParseErrorData = z.infer<typeof ParseErrorDataSchema>;
