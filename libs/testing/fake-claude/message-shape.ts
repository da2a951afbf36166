import type { CliMessage } from './run-cli';

/** One stdout line reduced to what must not drift: its kind and its field names. */
export type MessageShape = Record<string, unknown>;

const keysOf = (value: unknown): string[] =>
  value && typeof value === 'object' ? Object.keys(value).sort() : [];

/** `content_block_delta:text_delta`, `content_block_start:tool_use`, `message_stop`, … */
export function eventKind(m: CliMessage): string {
  if (m.type !== 'stream_event') return '';
  const event = m.event as {
    type?: string;
    delta?: { type?: string };
    content_block?: { type?: string };
  };
  const detail =
    event.type === 'content_block_delta'
      ? event.delta?.type
      : event.type === 'content_block_start'
        ? event.content_block?.type
        : undefined;
  return detail ? `${event.type}:${detail}` : String(event.type);
}

/** What must agree: position in the sequence and field names (never values). */
export function shapeOf(m: CliMessage): MessageShape {
  const shape: MessageShape = {
    line: [m.type, m.subtype ?? '', eventKind(m)].join('/'),
    fields: keysOf(m),
  };
  if (m.type === 'assistant' || m.type === 'user') shape.messageFields = keysOf(m.message);
  if (m.type === 'stream_event') shape.eventFields = keysOf(m.event);
  if (m.type === 'result') shape.usageFields = keysOf(m.usage);
  return shape;
}

/*
 * How many deltas a block streams in depends on its text and on tokenisation, not on the
 * protocol, so a run of identical consecutive delta shapes counts as one.
 */
export function collapseDeltaRuns(list: MessageShape[]): MessageShape[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return list.filter(
    (shape, i) =>
      !(
        String(shape.line).startsWith('stream_event//content_block_delta') &&
        i > 0 &&
        same(shape, list[i - 1])
      ),
  );
}
