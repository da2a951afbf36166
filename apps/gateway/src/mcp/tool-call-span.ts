import { SpanKind } from '@opentelemetry/api';
import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server';
import { withLogFields } from '@app/logging';
import { contextFromMeta, inSpan, markFailed } from '@app/tracing';

/** What a tools/call answers: a result, or (2026-07-28 tasks, input rounds) something else. */
type CallAnswer = CallToolResult | Record<string, unknown>;

/**
 * Runs one tools/call inside its server span, named and attributed as OpenTelemetry's MCP
 * conventions say (`tools/call <tool>`), continuing the client's trace when its `_meta` carries
 * `traceparent` (SEP-414, either era). The tenant and session are on every line logged meanwhile.
 */
export function inToolCallSpan<T extends CallAnswer>(
  toolName: string,
  args: unknown,
  ctx: Pick<ServerContext, 'mcpReq'>,
  call: { tenant: string; protocolVersion: string },
  run: () => Promise<T>,
): Promise<T> {
  const sessionId = sessionOf(args);
  const scope = { tenant: call.tenant, ...(sessionId ? { sessionId } : {}) };
  return withLogFields(scope, () =>
    inSpan(
      `tools/call ${toolName}`,
      {
        kind: SpanKind.SERVER,
        parent: contextFromMeta(ctx.mcpReq._meta),
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': toolName,
          'mcp.protocol.version': call.protocolVersion,
          'jsonrpc.request.id': String(ctx.mcpReq.id),
          'csb.tenant': call.tenant,
          ...(sessionId ? { 'csb.session_id': sessionId } : {}),
        },
      },
      async (span) => {
        const answer = await run();
        const started = sessionOf(answer.structuredContent);
        if (started && !sessionId) span.setAttribute('csb.session_id', started);
        if (answer.isError === true) {
          span.setAttribute('error.type', 'tool_error');
          markFailed(span, 'the tool answered with an error');
        }
        return answer;
      },
    ),
  );
}

function sessionOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('sessionId' in value)) return undefined;
  return typeof value.sessionId === 'string' ? value.sessionId : undefined;
}
