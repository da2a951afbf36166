import type { IncomingMessage } from 'node:http';
import { JsonRpcCode } from './json-rpc';

export type BodyReadResult =
  | { ok: true; body: unknown; raw: Buffer }
  | { ok: false; status: 400 | 413; code: number; message: string };

/**
 * Reads a POST body into memory, refusing more than `maxBytes` (by Content-Length before reading
 * anything, else as soon as the limit is passed), and parses it when it is declared as JSON.
 * A body of another type is returned unparsed (`body: undefined`) so the SDK answers 415.
 * After a refusal the rest of the body is drained, not buffered: the caller answers and closes.
 */
export async function readJsonBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<BodyReadResult> {
  const declared = Number(req.headers['content-length']);
  const raw =
    Number.isFinite(declared) && declared > maxBytes ? undefined : await collect(req, maxBytes);
  if (!raw) {
    req.resume();
    return {
      ok: false,
      status: 413,
      code: JsonRpcCode.serverError,
      message: `Payload Too Large: the request body must not exceed ${maxBytes} bytes`,
    };
  }
  if (!isJsonContentType(req.headers['content-type'])) return { ok: true, body: undefined, raw };
  try {
    return { ok: true, body: JSON.parse(raw.toString('utf8')) as unknown, raw };
  } catch {
    return {
      ok: false,
      status: 400,
      code: JsonRpcCode.parseError,
      message: 'Parse error: the request body is not valid JSON',
    };
  }
}

/** The body, or undefined once it passes `maxBytes` (the stream keeps flowing into the void). */
function collect(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      if (received > maxBytes) return;
      received += chunk.length;
      if (received <= maxBytes) return void chunks.push(chunk);
      chunks.length = 0;
      resolve(undefined);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new RequestAborted());
    });
  });
}

/** The client went away before sending the whole body: there is no one to answer. */
export class RequestAborted extends Error {
  override readonly name = 'RequestAborted';
  constructor() {
    super('the client closed the connection before the request body was complete');
  }
}

function isJsonContentType(value: string | undefined): boolean {
  return value?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}
