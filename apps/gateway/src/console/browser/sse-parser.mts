/** One Server-Sent Event: `event` is "message" unless the stream named it. */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * The Server-Sent Events wire format (HTML Living Standard, "Parsing an event stream"), fed a
 * chunk at a time: the console reads the stream with fetch(), because EventSource cannot send
 * an Authorization header and the key must never go in the URL.
 */
export class SseParser {
  /** The `retry:` the stream asked for, in ms, once it did. */
  retryMs?: number;
  private pending = '';
  private data: string[] = [];
  private event = '';
  private id?: string;

  /** The messages the chunk completes; a partial line waits for the next chunk. */
  push(chunk: string): SseMessage[] {
    const messages: SseMessage[] = [];
    const text = this.pending + chunk;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== '\n' && c !== '\r') continue;
      // A \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (c === '\r' && i === text.length - 1) break;
      const message = this.line(text.slice(start, i));
      if (message) messages.push(message);
      if (c === '\r' && text[i + 1] === '\n') i++;
      start = i + 1;
    }
    this.pending = text.slice(start);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined; // a comment: the server's heartbeat
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const data = this.data;
    const event = this.event || 'message';
    this.data = [];
    this.event = '';
    if (data.length === 0) return undefined;
    return { id: this.id, event, data: data.join('\n') };
  }
}
