import type { ServerResponse } from 'node:http';

/** An SSE frame as a client reads it: its id, and its data line. */
export interface Frame {
  id?: string;
  data: string;
}

/**
 * The parts of a ServerResponse that a ResponseStream writes to, recording what its client reads.
 */
export class RecordingResponse {
  text = '';
  destroyed = false;
  writableEnded = false;

  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }

  get res(): ServerResponse {
    return this as unknown as ServerResponse;
  }

  /** Each message frame (comments aside), in order. */
  frames(): Frame[] {
    return this.text
      .split('\n\n')
      .filter((frame) => frame && !frame.startsWith(':'))
      .map((frame) => {
        const lines = frame.split('\n');
        const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? '';
        return id === undefined ? { data } : { id, data };
      });
  }
}
