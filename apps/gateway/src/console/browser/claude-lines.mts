/**
 * Readers of the Claude CLI's stream-json lines (`kind: "claude"` events carry them unchanged).
 * The CLI adds types and fields between versions, so every reader checks what it takes and
 * answers undefined for anything else: an unknown line is shown in the event log, never fails.
 */

export type Json = Record<string, unknown>;

export function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A content block of an assistant or user message. */
export type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; toolUseId: string; text: string; isError: boolean }
  | { type: 'other'; name: string };

export function blocksOf(message: unknown): Block[] {
  const content = record(message)?.content;
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return list(content).map(block);
}

function block(value: unknown): Block {
  const b = record(value) ?? {};
  const type = text(b.type) ?? 'unknown';
  if (type === 'text') return { type, text: text(b.text) ?? '' };
  if (type === 'thinking') return { type, text: text(b.thinking) ?? '' };
  if (type === 'tool_use') {
    return { type, id: text(b.id) ?? '', name: text(b.name) ?? 'tool', input: b.input };
  }
  if (type === 'tool_result') {
    return {
      type,
      toolUseId: text(b.tool_use_id) ?? '',
      text: resultText(b.content),
      isError: b.is_error === true,
    };
  }
  return { type: 'other', name: type };
}

/** A tool result's content as text: a string, or text blocks (others named in brackets). */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return list(content)
    .map((part) => {
      const p = record(part);
      return p?.type === 'text' ? (text(p.text) ?? '') : `[${text(p?.type) ?? 'content'}]`;
    })
    .join('\n');
}

/** A `stream_event` line's Anthropic streaming event, reduced to what the console shows. */
export type StreamPiece =
  | { type: 'message_start'; messageId: string }
  | { type: 'block_start'; index: number; block: Block }
  | { type: 'text_delta'; index: number; text: string }
  | { type: 'thinking_delta'; index: number; text: string }
  | { type: 'input_delta'; index: number; json: string };

export function streamPiece(line: Json): StreamPiece | undefined {
  const event = record(line.event);
  const index = num(event?.index) ?? 0;
  switch (event?.type) {
    case 'message_start': {
      const messageId = text(record(event.message)?.id);
      return messageId ? { type: 'message_start', messageId } : undefined;
    }
    case 'content_block_start':
      return { type: 'block_start', index, block: block(event.content_block) };
    case 'content_block_delta': {
      const delta = record(event.delta);
      if (delta?.type === 'text_delta')
        return { type: 'text_delta', index, text: text(delta.text) ?? '' };
      if (delta?.type === 'thinking_delta') {
        return { type: 'thinking_delta', index, text: text(delta.thinking) ?? '' };
      }
      if (delta?.type === 'input_json_delta') {
        return { type: 'input_delta', index, json: text(delta.partial_json) ?? '' };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Which (sub)agent a line belongs to: a Task tool's own conversation streams beside the main one. */
export function agentOf(line: Json): string {
  return text(line.parent_tool_use_id) ?? 'main';
}
