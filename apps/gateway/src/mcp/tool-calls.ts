import { Logger } from '@nestjs/common';
import type {
  CallToolResult,
  InputRequiredResult,
  ProgressToken,
  RequestId,
  ServerContext,
} from '@modelcontextprotocol/server';
import { PermissionRequestDataSchema, type TurnRelayPlan } from '@app/contracts';
import { ClientError } from '@app/contracts';
import { isRedisUnavailable } from '@app/redis';
import type { ApprovalAsker } from './approval-elicitation';
import type { TrackedCall } from './call-relay';
import { toolError } from './tool-error';
import type { InputRounds } from './input-rounds';
import type { RelayedEventSender } from './response-stream';
import { clip, describeIssues, MAX_ECHO_CHARS } from './argument-issues';
import type { ToolContext, ToolDefinition, TurnPause } from './toolset';

/** What every call of one HTTP request shares. */
export interface CallEnvironment {
  tenant: string;
  /** The revision the request is served under: the envelope's, or the 2025 session's. */
  protocolVersion: string;
  /** Registers a call for cancellations sent on other requests; only for 2025 MCP sessions. */
  trackCall?: (requestId: RequestId) => Promise<TrackedCall>;
  /** Resolves when the response can take more (its client reads); progress waits for it. */
  writable?: () => Promise<void>;
  /** How a waited call of this request puts a permission prompt to its client, if it can. */
  askApprovals?: (ctx: Pick<ServerContext, 'mcpReq'>) => ApprovalAsker;
  /** Input-required rounds, for a 2026-07-28 request whose client declared form elicitation. */
  inputRounds?: InputRounds;
  /**
   * Starts a call's relay of a turn as progress derived from the session's stream (the response
   * stream of a 2025 MCP session, see ResponseStream.openRelay); undefined: send it plainly.
   */
  relayProgress?: (
    progressToken: ProgressToken,
    sentBefore: number,
    plan: TurnRelayPlan,
  ) => RelayedEventSender | undefined;
}

const log = new Logger('McpTools');

/** A tool's arguments, checked against its schema: the data, or the tool error to answer with. */
export function parseArguments(
  tool: ToolDefinition,
  rawArgs: unknown,
): { ok: true; args: Record<string, unknown> } | { ok: false; error: CallToolResult } {
  const parsed = tool.input.safeParse(rawArgs ?? {});
  if (parsed.success) return { ok: true, args: parsed.data };
  return {
    ok: false,
    error: toolError(`Invalid arguments for ${tool.name}: ${describeIssues(parsed.error)}`),
  };
}

export function unknownTool(name: string): CallToolResult {
  return toolError(
    `Unknown tool "${clip(name, MAX_ECHO_CHARS)}": tools/list names the tools this server offers`,
  );
}

/**
 * Runs a tool with validated arguments; whatever it throws becomes a tool error carrying the
 * error's message ("field: problem", "session … not found"), one contract for both eras.
 */
export async function runTool(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  ctx: Pick<ServerContext, 'mcpReq'>,
  env: CallEnvironment,
): Promise<CallToolResult | InputRequiredResult> {
  let tracked: TrackedCall | undefined;
  const signal = ctx.mcpReq.signal;
  try {
    tracked = await env.trackCall?.(ctx.mcpReq.id);
    const rounds = env.inputRounds?.accepts(ctx) ? env.inputRounds : undefined;
    const retried = rounds ? await rounds.resume(ctx, tool.name, env.tenant) : {};
    if (retried.error) return retried.error;
    let paused: TurnPause | undefined;
    const context: ToolContext = {
      tenant: env.tenant,
      protocolVersion: env.protocolVersion,
      signal: tracked ? AbortSignal.any([signal, tracked.signal]) : signal,
      ...progressOf(ctx, env),
      ...(env.askApprovals ? { askApproval: env.askApprovals(ctx) } : {}),
      ...(retried.resume ? { resume: retried.resume } : {}),
      ...(rounds ? { onPaused: (at: TurnPause) => (paused = at) } : {}),
    };
    const structured = await tool.handler(args, context);
    const prompt = PermissionRequestDataSchema.partial().safeParse(structured.pending);
    if (rounds && paused && prompt.success && structured.status === 'waiting') {
      const { requestId, tool: asked, input, deadline, questions } = prompt.data;
      if (requestId && asked && deadline) {
        const shown = {
          requestId,
          tool: asked,
          input,
          deadline,
          ...(questions ? { questions } : {}),
        };
        return await rounds.pause(tool.name, env.tenant, paused, shown);
      }
    }
    return answerOf(tool, args, structured);
  } catch (error) {
    const cancelled = signal.aborted || tracked?.signal.aborted === true;
    return toolError(failureMessage(tool.name, error, cancelled));
  } finally {
    tracked?.release();
  }
}

/**
 * A handler's structuredContent as the call's answer: the tool's own text first (what happened,
 * for a person or a model; a failed turn is a tool error that still carries where the session
 * stands), the whole result in structuredContent. A waited call and its task answer alike.
 */
export function answerOf(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  structured: Record<string, unknown>,
): CallToolResult {
  if (!tool.answer) return toolResult(structured);
  const { text, isError } = tool.answer(structured, args);
  return {
    content: [{ type: 'text', text }],
    structuredContent: structured,
    ...(isError ? { isError: true } : {}),
  };
}

/** A result as JSON text and structuredContent alike: for tools that say nothing of their own. */
export function toolResult(structured: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(structured) }],
    structuredContent: structured,
  };
}

/**
 * Sends notifications/progress for this call, when the client asked for them with a progressToken:
 * a message of the tool's (`progress`), or the events of a turn (`relayTurn`, derived where the
 * transport can). One count for both. Awaiting either is backpressure; neither throws, because a
 * lost progress message must not fail the call: the session's own event log stays complete.
 */
function progressOf(
  ctx: Pick<ServerContext, 'mcpReq'>,
  env: Pick<CallEnvironment, 'writable' | 'relayProgress'>,
): Pick<ToolContext, 'progress' | 'relayTurn'> {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return {};
  let sent = 0;
  const progress = async (message: string): Promise<void> => {
    try {
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress: ++sent, message },
      });
      await env.writable?.();
    } catch (error) {
      log.warn(
        `progress notification lost: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const relayTurn = (plan: TurnRelayPlan) => {
    const derived = env.relayProgress?.(progressToken, sent, plan);
    if (!derived) return (event: unknown) => progress(JSON.stringify(event));
    return async (event: Parameters<RelayedEventSender>[0]) => {
      derived(event, ++sent);
      await env.writable?.();
    };
  };
  return { progress, relayTurn };
}

/**
 * The message the client sees: the error's own (never its stack). A ClientError is the caller's
 * to fix and logged at debug level; anything else is the server's and logged in full.
 */
export function failureMessage(toolName: string, error: unknown, cancelled: boolean): string {
  if (isRedisUnavailable(error)) {
    log.warn(`${toolName}: Redis unavailable: ${String(error)}`);
    return `${toolName} could not be served: Redis, which holds the sessions, is not answering right now; retry in a few seconds`;
  }
  if (error instanceof ClientError || cancelled) {
    log.debug(`${toolName}: ${String(error)}`);
  } else {
    log.error(
      `${toolName} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
  if (error instanceof Error && error.message) return error.message;
  return `${toolName} failed; see the gateway logs`;
}

export { toolError };
