/** A small SSE/JSON client for the stub's own specs: reads until the stream ends or breaks. */

export interface ParsedSseEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface SseRead {
  status: number;
  headers: Headers;
  events: ParsedSseEvent[];
  /** Set when the connection broke before the server ended the response. */
  error?: unknown;
}

export function parseSse(text: string): ParsedSseEvent[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.includes('data: '))
    .map((frame) => {
      const lines = frame.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? '{}';
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

export async function postMessages(
  baseUrl: string,
  body: unknown,
  path = '/v1/messages',
): Promise<Response> {
  return fetch(`${baseUrl}${path}?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'secret-key' },
    body: JSON.stringify(body),
  });
}

/** Reads the whole body; only complete frames (ending in a blank line) count as events. */
export async function readSse(response: Response): Promise<SseRead> {
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let error: unknown;
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } catch (caught) {
    error = caught;
  }
  const complete = text.slice(0, text.lastIndexOf('\n\n') + 2);
  return { status: response.status, headers: response.headers, events: parseSse(complete), error };
}

/** Concatenates the text (or tool JSON) deltas of one content block. */
export function joinDeltas(events: ParsedSseEvent[], index: number): string {
  return events
    .filter((e) => e.event === 'content_block_delta' && e.data.index === index)
    .map((e) => {
      const delta = e.data.delta as { text?: string; partial_json?: string };
      return delta.text ?? delta.partial_json ?? '';
    })
    .join('');
}
