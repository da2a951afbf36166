import { Logger } from '@nestjs/common';
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
import type { TrackedCall } from './cancellation-relay';
import { describeIssues } from './argument-issues';
import type { ToolDefinition } from './toolset';

type CallExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What every call of one HTTP request shares. */
export interface CallEnvironment {
  tenant: string;
  /** Registers a call for cancellations sent on other requests; absent for stateless clients. */
  trackCall?: (requestId: RequestId) => Promise<TrackedCall>;
}

const log = new Logger('McpTools');

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
  server.server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      return toolError(
        `Unknown tool "${request.params.name}": tools/list names the tools this server offers`,
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
    const progress = progressReporter(extra);
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
function progressReporter(extra: CallExtra): ((message: string) => Promise<void>) | undefined {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  let progress = 0;
  return async (message) => {
    try {
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress: ++progress, message },
      });
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
