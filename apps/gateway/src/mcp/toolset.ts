import type { z } from 'zod';

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
   * What a turn's permission prompt does to a waited call: `return` (the default) answers at once
   * with the prompt; `follow` goes on to the turn's end, for a task, which shows the prompt as
   * input_required and takes the answer through tasks/update.
   */
  approvals?: 'return' | 'follow';
}

/** One MCP tool: its advertised name and input schema, and the code that serves a call. */
export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title?: string;
  description: string;
  /** Validates the arguments before `handler` runs and is advertised as the tool's JSON Schema. */
  input: S;
  /**
   * Returns the call's structuredContent (also sent as JSON text). Throwing turns into an MCP tool
   * error carrying the error's message, so throw errors whose message tells the caller what to do.
   */
  handler(args: z.infer<S>, ctx: ToolContext): Promise<Record<string, unknown>>;
}

/** Nest provider token: the `ToolDefinition[]` the gateway serves on /mcp. */
export const MCP_TOOLSET = Symbol('MCP_TOOLSET');

/**
 * Declares a tool with `args` typed from `input`, widened so tools with different schemas fit in
 * one `ToolDefinition[]` (the gateway validates against `input` before calling the handler).
 */
export function defineTool<S extends z.ZodObject>(tool: ToolDefinition<S>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
