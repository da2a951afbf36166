import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { Server, type CallToolResult, type Tool } from '@modelcontextprotocol/server';
import { declaresTasks, elicitsForms, TASKS_EXTENSION } from './client-capabilities';
import { parseArguments, runTool, unknownTool, type CallEnvironment } from './tool-calls';
import { inToolCallSpan } from './tool-call-span';
import type { ToolDefinition } from './toolset';

export const SERVER_INFO = { name: 'claude-session-backend', version: '0.1.0' } as const;

/** The era of one request: `modern` (2026-07-28, per-request envelope) or `legacy` (2025). */
export type Era = 'modern' | 'legacy';

/**
 * What the tasks extension plugs into a server (implemented in apps/gateway/src/tasks): the
 * MCP layer decides when a call becomes a task, the task layer what a task is. SDK 2.4 has no
 * tasks support: a task answer is a tools/call result whose `resultType: "task"` the SDK
 * forwards verbatim, and tasks/* are custom methods; sdk-seam.spec.ts fails if that changes.
 */
export interface TaskSupport {
  /** Whether calls of this tool may be answered with a task. */
  supports(toolName: string): boolean;
  /**
   * Records the task durably, starts it, and returns the `CreateTaskResult`. `elicitsForms`:
   * the client can answer the task's input requests (else its prompts name session_respond).
   */
  create(
    tool: ToolDefinition,
    args: Record<string, unknown>,
    env: CallEnvironment,
    client: { elicitsForms: boolean },
  ): Promise<CallToolResult>;
  /** Registers tasks/get, tasks/update and tasks/cancel on a modern-era server. */
  install(server: Server, env: CallEnvironment): void;
}

const log = new Logger('McpServer');

/**
 * A low-level SDK `Server` for one HTTP request, with this gateway's tools bound to the request's
 * tenant. tools/list and tools/call are registered here rather than through McpServer: it would
 * validate arguments itself and word failures its own way, while the contract is one tool error
 * "field: problem" in both eras (argument-issues.ts).
 */
export function buildServer(
  tools: readonly ToolDefinition[],
  env: CallEnvironment,
  era: Era,
  tasks?: TaskSupport,
): Server {
  const offersTasks = era === 'modern' && tasks !== undefined;
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {}, ...(offersTasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}) },
  });
  const byName = toolIndex(tools);
  server.setRequestHandler('tools/list', () => ({ tools: listingOf(tools) }));
  server.setRequestHandler('tools/call', (request, ctx) =>
    inToolCallSpan(request.params.name, request.params.arguments, ctx, env, async () => {
      const tool = byName.get(request.params.name);
      if (!tool) return unknownTool(request.params.name);
      const parsed = parseArguments(tool, request.params.arguments);
      if (!parsed.ok) return parsed.error;
      if (offersTasks && tasks.supports(tool.name) && declaresTasks(ctx)) {
        return tasks.create(tool, parsed.args, env, { elicitsForms: elicitsForms(ctx) });
      }
      return runTool(tool, parsed.args, ctx, env);
    }),
  );
  if (offersTasks) tasks.install(server, env);
  server.onerror = (error) => log.debug(`MCP: ${error.message}`);
  return server;
}

const indexes = new WeakMap<readonly ToolDefinition[], Map<string, ToolDefinition>>();
const listings = new WeakMap<readonly ToolDefinition[], Tool[]>();

function toolIndex(tools: readonly ToolDefinition[]): Map<string, ToolDefinition> {
  let index = indexes.get(tools);
  if (!index) indexes.set(tools, (index = new Map(tools.map((t) => [t.name, t]))));
  return index;
}

/** The tools/list entries, JSON Schemas included: built once per toolset, not per request. */
export function listingOf(tools: readonly ToolDefinition[]): Tool[] {
  let listing = listings.get(tools);
  if (!listing) {
    listing = tools.map((tool) => ({
      name: tool.name,
      ...(tool.title ? { title: tool.title } : {}),
      description: tool.description,
      inputSchema: inputSchemaOf(tool),
      ...(tool.output ? { outputSchema: outputSchemaOf(tool.output) } : {}),
      // The title again as annotations.title, where clients of the 2025-03-26 revision read it.
      ...(tool.annotations
        ? { annotations: { ...(tool.title ? { title: tool.title } : {}), ...tool.annotations } }
        : {}),
    }));
    listings.set(tools, listing);
  }
  return listing;
}

/** What structuredContent holds, as clients validate it (objects list every key they may have). */
function outputSchemaOf(output: z.ZodObject): NonNullable<Tool['outputSchema']> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(output, {
    io: 'output',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return { ...schema, type: 'object' };
}

function inputSchemaOf(tool: ToolDefinition): Tool['inputSchema'] {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(tool.input, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return { ...schema, type: 'object' };
}
