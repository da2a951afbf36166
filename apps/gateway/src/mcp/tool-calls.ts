import { Logger } from '@nestjs/common';
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  type RequestId,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { ClientError } from '@app/contracts';
import { isRedisUnavailable } from '@app/redis';
import type { TrackedCall } from './cancellation-relay';
import { clip, describeIssues, MAX_ECHO_CHARS } from './argument-issues';
import type { ToolDefinition } from './toolset';

type CallExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What every call of one HTTP request shares. */
export interface CallEnvironment {
  tenant: string;
  /** Registers a call for cancellations sent on other requests; absent for stateless clients. */
  trackCall?: (requestId: RequestId) => Promise<TrackedCall>;
  /** Resolves when the response can take more (its client reads); progress waits for it. */
  writable?: () => Promise<void>;
}

const log = new Logger('McpTools');

/**
 * tools/call as registered with the SDK: the method alone. The SDK's Protocol parses a request
 * with the registered schema first and answers a failure as -32603 Internal error carrying zod's
 * issue dump (`"arguments": null` looked like the server's fault); registered this way, params
 * are checked by the SDK Server's own tools/call validation, which answers -32602 Invalid params.
 */
const ToolsCallMethod = z.looseObject({ method: z.literal('tools/call') });

/**
 * Registers the toolset with the McpServer (which advertises names and JSON Schemas in tools/list)
 * and serves tools/call itself. McpServer would validate arguments on its own and word failures its
 * own way ("... at sessionId"; older SDK releases even answered a protocol error). Routing the call
 * here keeps one contract whatever the SDK version: a tool error "field: problem".
 */
export function installTools(
  server: McpServer,
  tools: readonly ToolDefinition[],
  env: CallEnvironment,
): void {
  const byName = new Map<string, ToolDefinition>();
  for (const tool of tools) {
    byName.set(tool.name, tool);
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input },
      () =>
        toolError(`internal error: ${tool.name} was called past the gateway's tools/call router`),
    );
  }
  server.server.setRequestHandler(ToolsCallMethod, (raw, extra) => {
    // Valid by now (see ToolsCallMethod); parsed again only to type it, whatever the SDK version.
    const request = CallToolRequestSchema.parse(raw);
    const tool = byName.get(request.params.name);
    if (!tool) {
      return toolError(
        `Unknown tool "${clip(request.params.name, MAX_ECHO_CHARS)}": tools/list names the tools this server offers`,
      );
    }
    return runTool(tool, request.params.arguments, extra, env);
  });
}

async function runTool(
  tool: ToolDefinition,
  rawArgs: unknown,
  extra: CallExtra,
  env: CallEnvironment,
): Promise<CallToolResult> {
  const parsed = tool.input.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    return toolError(`Invalid arguments for ${tool.name}: ${describeIssues(parsed.error)}`);
  }
  let tracked: TrackedCall | undefined;
  try {
    tracked = await env.trackCall?.(extra.requestId);
    const signal = tracked ? AbortSignal.any([extra.signal, tracked.signal]) : extra.signal;
    const progress = progressReporter(extra, env.writable);
    const result = await tool.handler(parsed.data, { tenant: env.tenant, signal, progress });
    return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
  } catch (error) {
    const cancelled = extra.signal.aborted || tracked?.signal.aborted === true;
    return toolError(failureMessage(tool.name, error, cancelled));
  } finally {
    tracked?.release();
  }
}

/**
 * Sends notifications/progress for this call, when the client asked for them with a progressToken.
 * Awaiting it is backpressure (the message is stored for replay first); it never throws, because a
 * lost progress message must not fail the call: the session's own event log stays complete.
 */
function progressReporter(
  extra: CallExtra,
  writable: (() => Promise<void>) | undefined,
): ((message: string) => Promise<void>) | undefined {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  let progress = 0;
  return async (message) => {
    try {
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress: ++progress, message },
      });
      await writable?.();
    } catch (error) {
      log.warn(
        `progress notification lost: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
}

/**
 * The message the client sees: the error's own (never its stack). A ClientError is the caller's
 * to fix and logged at debug level; anything else is the server's and logged in full.
 */
function failureMessage(toolName: string, error: unknown, cancelled: boolean): string {
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

function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
