import type { ServerResponse } from 'node:http';
import {
  isInitializeRequest,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type RequestId,
} from '@modelcontextprotocol/server';

/** JSON-RPC error codes the HTTP layer answers with (the SDK uses the same ones). */
export const JsonRpcCode = {
  parseError: -32700,
  invalidRequest: -32600,
  /** Implementation-defined server error: the MCP SDK's code for transport-level refusals. */
  serverError: -32000,
  sessionNotFound: -32001,
} as const;

/** Answers an HTTP request with a JSON-RPC error body (`id: null`: it concerns no one message). */
export function replyJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
  res.end(jsonRpcErrorBody(code, message));
}

export function jsonRpcErrorBody(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** A POST body as the list of messages it carries (JSON-RPC allows a batch array). */
export function messagesOf(body: unknown): unknown[] {
  if (body === undefined) return [];
  return Array.isArray(body) ? body : [body];
}

/** The protocol version an initialize request will end up with (same rule as the SDK's Server). */
export function negotiatedProtocolVersion(messages: unknown[]): string | undefined {
  const init = messages.find(isInitializeRequest);
  if (!init) return undefined;
  const requested = init.params.protocolVersion;
  return SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

/**
 * Whether an initialize declares form elicitation: `elicitation: {}` (the revisions before modes)
 * or `elicitation: { form: {} }`; a URL-only client cannot show a form.
 */
export function declaresFormElicitation(messages: unknown[]): boolean {
  const init = messages.find(isInitializeRequest);
  const elicitation: unknown = init?.params.capabilities.elicitation;
  if (!isObject(elicitation)) return false;
  return 'form' in elicitation || !('url' in elicitation);
}

export interface CancellationRequest {
  requestId: RequestId;
  reason?: string;
}

/** `notifications/cancelled` messages in a POST body, so they can reach the replica running the call. */
export function cancellationsIn(messages: unknown[]): CancellationRequest[] {
  const found: CancellationRequest[] = [];
  for (const message of messages) {
    if (!isObject(message) || message.method !== 'notifications/cancelled' || 'id' in message)
      continue;
    const params = isObject(message.params) ? message.params : {};
    const { requestId, reason } = params;
    if (typeof requestId !== 'string' && typeof requestId !== 'number') continue;
    found.push({ requestId, reason: typeof reason === 'string' ? reason : undefined });
  }
  return found;
}

/** True for a JSON-RPC response (result or error): the last message of a request's SSE stream. */
export function isJsonRpcResponse(message: unknown): boolean {
  return isObject(message) && 'id' in message && ('result' in message || 'error' in message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
