import type { IncomingMessage } from 'node:http';
import { JsonRpcCode } from './json-rpc';

export type BodyReadResult =
  | { ok: true; body: unknown; raw: Buffer }
  | { ok: false; status: 400 | 408 | 413; code: number; message: string };

export interface BodyLimits {
  maxBytes: number;
  /** The whole body must have arrived this long after reading starts (slow-loris bodies). */
  deadlineMs: number;
}

/**
 * Reads a POST body into memory, refusing more than `maxBytes` (by Content-Length before reading
 * anything, else as soon as the limit is passed) and a body still incomplete after `deadlineMs`,
 * and parses it when it is declared as JSON.
 * A body of another type is returned unparsed (`body: undefined`) so the SDK answers 415.
 * After a refusal the rest of the body is drained, not buffered: the caller answers, then
 * waits until the rest is `drained` before ending the exchange (413), or closes (408).
 */
export async function readJsonBody(
  req: IncomingMessage,
  { maxBytes, deadlineMs }: BodyLimits,
): Promise<BodyReadResult> {
  const declared = Number(req.headers['content-length']);
  const raw =
    Number.isFinite(declared) && declared > maxBytes
      ? TOO_LARGE
      : await collect(req, maxBytes, deadlineMs);
  if (raw === TOO_LATE) {
    return {
      ok: false,
      status: 408,
      code: JsonRpcCode.serverError,
      message: `Request Timeout: the request body did not arrive within ${deadlineMs / 1000} s`,
    };
  }
  if (raw === TOO_LARGE) {
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

const TOO_LARGE = Symbol('too large');
const TOO_LATE = Symbol('too late');

/**
 * The body; TOO_LARGE once it passes `maxBytes` (the stream keeps flowing into the void), TOO_LATE
 * when it has not ended within `deadlineMs` (what arrives after is dropped too).
 */
function collect(
  req: IncomingMessage,
  maxBytes: number,
  deadlineMs: number,
): Promise<Buffer | typeof TOO_LARGE | typeof TOO_LATE> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let refused = false;
    const refuse = (why: typeof TOO_LARGE | typeof TOO_LATE) => {
      refused = true;
      chunks.length = 0;
      clearTimeout(timer);
      resolve(why);
    };
    const timer = setTimeout(() => refuse(TOO_LATE), deadlineMs);
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      received += chunk.length;
      if (received <= maxBytes) return void chunks.push(chunk);
      refuse(TOO_LARGE);
    });
    req.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.once('close', () => {
      clearTimeout(timer);
      if (!req.complete) reject(new RequestAborted());
    });
  });
}

/**
 * Resolves once a refused body still arriving has been read away (it ended, or the client went),
 * or after `graceMs`, when the connection is closed. Until then the exchange should stay open:
 * closing it while the client still sends resets the connection, and the client's TCP stack
 * drops the answer with the reset (EPIPE or ECONNRESET instead of 413).
 */
export function drained(req: IncomingMessage, graceMs: number): Promise<void> {
  if (req.complete) return Promise.resolve();
  req.resume();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      req.socket.destroy();
      resolve();
    }, graceMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    req.once('end', done);
    req.once('close', done);
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
