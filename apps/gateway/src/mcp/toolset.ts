import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { SessionEvent, TurnRelayPlan } from '@app/contracts';
import type { ApprovalAsker } from './approval-elicitation';

/** What a tool handler knows about the call it serves; nothing in it depends on the MCP session. */
export interface ToolContext {
  /** Resolved from the bearer key of this very request, never from the MCP session. */
  tenant: string;
  /** The protocol revision this request is served under (`2026-07-28`, `2025-11-25`, ...). */
  protocolVersion: string;
  /**
   * Aborted when the client cancels the call (`notifications/cancelled`, whichever replica receives
   * it) or, for clients that cannot resume a stream, when the HTTP request goes away.
   */
  signal: AbortSignal;
  /** Present when the call carried a progressToken: sends `notifications/progress` with `message`. */
  progress?: (message: string) => Promise<void>;
  /**
   * Present with `progress`: relays the events of one turn as this call's progress, each
   * notification carrying the event as JSON text (what `progress` would send). Where the call's
   * stream is resumable (2025 MCP sessions) they are derived from the session's stream rather
   * than stored each: a resumed stream regenerates them from the plan on any replica.
   */
  relayTurn?: (plan: TurnRelayPlan) => (event: SessionEvent) => Promise<void>;
  /**
   * What a turn's permission prompt does to a waited call: `return` (the default) answers at once
   * with the prompt; `follow` goes on to the turn's end, for a task, which shows the prompt as
   * input_required and takes the answer through tasks/update.
   */
  approvals?: 'return' | 'follow';
  /**
   * Present when the client can be asked during the call (a 2025 session that declared form
   * elicitation): a waited call then asks it about each prompt and follows the turn to its end.
   */
  askApproval?: ApprovalAsker;
  /** A retried call (2026-07-28 input-required round): go on waiting for this turn. */
  resume?: TurnPause;
  /**
   * Told where a waited call stopped at a prompt, when the client can answer it by retrying:
   * the call then ends with an input_required result instead of `waiting`.
   */
  onPaused?: (at: TurnPause) => void;
  /**
   * Told the turn the call queued and the cursor before it, before the call waits: a task
   * records them, so its prompts can be answered through tasks/update before the result names
   * the session, and another replica can follow the turn on if this one stops.
   */
  onTurn?: (at: TurnPause) => void;
  /**
   * Ends a wait as if its time were up (status running, with the cursor), without touching the
   * turn: how a stopping gateway hands its tasks on to another replica.
   */
  until?: AbortSignal;
}

/** Where a waited call stopped: the turn and the cursor after the prompt's event. */
export interface TurnPause {
  sessionId: string;
  turn: number;
  events: string;
}

/**
 * What content[0] of a call's result says: a short text for a person or a model, first; and
 * whether the call failed (a failed turn is a tool error whose structuredContent still says
 * where the session stands).
 */
export interface ToolAnswer {
  text: string;
  isError?: boolean;
}

/** "1 turn", "3 turns": counts in answers read as sentences. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** One MCP tool: its advertised name and schemas, and the code that serves a call. */
export interface ToolDefinition<
  S extends z.ZodObject = z.ZodObject,
  O extends z.ZodObject = z.ZodObject,
> {
  name: string;
  title?: string;
  description: string;
  /**
   * Behaviour hints clients show or act on (read-only, destructive, idempotent, open world).
   * Optional, like `output` and `answer`, only for test and bench tools: every gateway tool has
   * all three (session.tools.spec.ts checks).
   */
  annotations?: ToolAnnotations;
  /** Validates the arguments before `handler` runs and is advertised as the tool's JSON Schema. */
  input: S;
  /** The shape of the structuredContent, advertised as `outputSchema`. */
  output?: O;
  /**
   * Returns the call's structuredContent. Throwing turns into an MCP tool error carrying the
   * error's message, so throw errors whose message tells the caller what to do.
   */
  handler(args: z.infer<S>, ctx: ToolContext): Promise<z.infer<O>>;
  /** The text the answer opens with, saying what happened; without it, the result as JSON text. */
  answer?(result: z.infer<O>, args: z.infer<S>): ToolAnswer;
}

/** Nest provider token: the `ToolDefinition[]` the gateway serves on /mcp. */
export const MCP_TOOLSET = Symbol('MCP_TOOLSET');

/**
 * Declares a tool with `args` typed from `input`, widened so tools with different schemas fit in
 * one `ToolDefinition[]` (the gateway validates against `input` before calling the handler).
 */
export function defineTool<S extends z.ZodObject, O extends z.ZodObject = z.ZodObject>(
  tool: ToolDefinition<S, O>,
): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
