import type { StubApiError, StubBlock, StubReply } from './types';

/** A reply resolved into the exact message the stub will send (ids assigned, usage fixed). */
export interface ResolvedMessage {
  id: string;
  model: string;
  blocks: ResolvedBlock[];
  stopReason: string;
  inputTokens: number;
  outputTokens: number;
}

export type ResolvedBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** Deterministic ids so recorded fixtures do not change between runs. */
export class StubIds {
  private messageCount = 0;
  private toolCount = 0;
  nextMessageId(): string {
    this.messageCount += 1;
    return `msg_stub_${String(this.messageCount).padStart(4, '0')}`;
  }
  nextToolId(): string {
    this.toolCount += 1;
    return `toolu_stub_${String(this.toolCount).padStart(4, '0')}`;
  }
}

export function replyBlocks(reply: StubReply): StubBlock[] {
  if (reply.blocks) return reply.blocks;
  const blocks: StubBlock[] = [];
  if (reply.thinking !== undefined) blocks.push({ type: 'thinking', thinking: reply.thinking });
  if (reply.text !== undefined) blocks.push({ type: 'text', text: reply.text });
  if (reply.toolUse) blocks.push({ type: 'tool_use', ...reply.toolUse });
  return blocks;
}

export function resolveMessage(
  reply: StubReply,
  requestedModel: string,
  ids: StubIds,
): ResolvedMessage {
  const blocks = replyBlocks(reply).map((block): ResolvedBlock => {
    if (block.type === 'tool_use') {
      return {
        type: 'tool_use',
        id: block.id ?? ids.nextToolId(),
        name: block.name,
        input: block.input,
      };
    }
    if (block.type === 'thinking') {
      return { type: 'thinking', thinking: block.thinking, signature: 'stub-signature' };
    }
    return block;
  });
  const hasTool = blocks.some((b) => b.type === 'tool_use');
  return {
    id: ids.nextMessageId(),
    model: reply.model ?? requestedModel,
    blocks,
    stopReason: reply.stopReason ?? (hasTool ? 'tool_use' : 'end_turn'),
    inputTokens: reply.usage?.input_tokens ?? 10,
    outputTokens: reply.usage?.output_tokens ?? estimateTokens(blocks),
  };
}

/** Roughly four characters per token; only needs to be stable and non-zero. */
function estimateTokens(blocks: ResolvedBlock[]): number {
  const chars = blocks.reduce((sum, b) => sum + JSON.stringify(b).length, 0);
  return Math.max(1, Math.ceil(chars / 4));
}

export function usageJson(message: ResolvedMessage, outputTokens: number): Record<string, number> {
  return {
    input_tokens: message.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
  };
}

/** The non-streaming `POST /v1/messages` response body. */
export function messageJson(message: ResolvedMessage): Record<string, unknown> {
  return {
    id: message.id,
    type: 'message',
    role: 'assistant',
    model: message.model,
    content: message.blocks,
    stop_reason: message.stopReason,
    stop_sequence: null,
    usage: usageJson(message, message.outputTokens),
  };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export function errorType(status: number): string {
  return ERROR_TYPES[status] ?? 'api_error';
}

/** Anthropic's error envelope: `{"type":"error","error":{"type","message"}}`. */
export function errorJson(error: StubApiError): Record<string, unknown> {
  const type = error.type ?? errorType(error.status);
  return { type: 'error', error: { type, message: error.message ?? `stub ${type}` } };
}
