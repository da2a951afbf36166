import { usageJson, type ResolvedBlock, type ResolvedMessage } from './reply-message';

/** One server-sent event; `isDelta` marks the events a `tokenDelayMs` delay precedes. */
export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
  isDelta: boolean;
}

/** Words with their trailing whitespace, so several deltas join back to the exact text. */
export function splitIntoDeltas(text: string): string[] {
  const parts = text.match(/\s*\S+\s*/g);
  return parts && parts.length > 0 ? parts : [text];
}

/** Splits serialized JSON into a few pieces, as the real API streams `input_json_delta`. */
export function splitJson(json: string, pieces = 3): string[] {
  if (json.length <= pieces) return [json];
  const size = Math.ceil(json.length / pieces);
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}

function event(name: string, data: Record<string, unknown>, isDelta = false): SseEvent {
  return { event: name, data: { type: name, ...data }, isDelta };
}

function blockStart(block: ResolvedBlock): Record<string, unknown> {
  if (block.type === 'text') return { type: 'text', text: '' };
  if (block.type === 'thinking') return { type: 'thinking', thinking: '', signature: '' };
  return { type: 'tool_use', id: block.id, name: block.name, input: {} };
}

function blockDeltas(block: ResolvedBlock, index: number): SseEvent[] {
  const delta = (d: Record<string, unknown>) =>
    event('content_block_delta', { index, delta: d }, true);
  if (block.type === 'text') {
    return splitIntoDeltas(block.text).map((text) => delta({ type: 'text_delta', text }));
  }
  if (block.type === 'thinking') {
    return [
      ...splitIntoDeltas(block.thinking).map((thinking) =>
        delta({ type: 'thinking_delta', thinking }),
      ),
      delta({ type: 'signature_delta', signature: block.signature }),
    ];
  }
  return splitJson(JSON.stringify(block.input)).map((partial_json) =>
    delta({ type: 'input_json_delta', partial_json }),
  );
}

/** The full event sequence of one streamed message, in the order the real API sends it. */
export function messageEvents(message: ResolvedMessage): SseEvent[] {
  const start = event('message_start', {
    message: {
      id: message.id,
      type: 'message',
      role: 'assistant',
      model: message.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usageJson(message, 1),
    },
  });
  const blocks = message.blocks.flatMap((block, index) => [
    event('content_block_start', { index, content_block: blockStart(block) }),
    ...blockDeltas(block, index),
    event('content_block_stop', { index }),
  ]);
  const end = [
    event('message_delta', {
      delta: { stop_reason: message.stopReason, stop_sequence: null },
      usage: { output_tokens: message.outputTokens },
    }),
    event('message_stop', {}),
  ];
  return [start, event('ping', {}), ...blocks, ...end];
}

export function formatSse(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
