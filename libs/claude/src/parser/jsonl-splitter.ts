import { contentEnd, decodeLine, parseError } from './decode-line';
import {
  DEFAULT_EXCERPT_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  type JsonlParserOptions,
  type ParsedLine,
} from './types';
import { utf8Excerpt } from './utf8-excerpt';

const LF = 0x0a;
const CR = 0x0d;
/** Bytes kept beyond the excerpt size so the excerpt can still be cut at a character start. */
const EXCERPT_SLACK = 4;

/** State while dropping a line that went over the limit: only its head is kept. */
interface Overflow {
  bytes: number;
  head: Buffer;
  lastByte: number;
}

/**
 * Synchronous core of the JSONL parser: feed byte chunks, get parsed lines back. Lines are
 * cut on bytes (0x0A) and decoded only once complete, so a UTF-8 character split between two
 * chunks decodes correctly. A line inside one chunk is parsed straight from that chunk; a
 * line spanning chunks is joined once, when its newline arrives (linear, no re-scanning).
 */
export class JsonlParser {
  private readonly maxLineBytes: number;
  private readonly excerptBytes: number;
  private readonly headLimit: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflow: Overflow | undefined;

  constructor(options: JsonlParserOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.excerptBytes = options.excerptBytes ?? DEFAULT_EXCERPT_BYTES;
    this.headLimit = this.excerptBytes + EXCERPT_SLACK;
  }

  /** Parses every line the chunk completes; appends them to `out` and returns it. */
  push(chunk: Buffer, out: ParsedLine[] = []): ParsedLine[] {
    let pos = 0;
    for (let nl = chunk.indexOf(LF, pos); nl !== -1; nl = chunk.indexOf(LF, pos)) {
      this.completeLine(chunk, pos, nl, out);
      pos = nl + 1;
    }
    if (pos < chunk.length) this.hold(chunk.subarray(pos));
    return out;
  }

  /** End of stream: flushes an unterminated last line (the CLI may exit without `\n`). */
  end(out: ParsedLine[] = []): ParsedLine[] {
    if (this.overflow !== undefined) {
      out.push(this.finishOverflow(this.overflow.lastByte));
    } else if (this.pendingBytes > 0) {
      const line = this.takePending();
      const parsed = decodeLine(line, 0, line.length, true, this.excerptBytes);
      if (parsed !== undefined) out.push(parsed);
    }
    return out;
  }

  private completeLine(chunk: Buffer, start: number, end: number, out: ParsedLine[]): void {
    if (this.overflow !== undefined) {
      const lastByte = end > start ? chunk[end - 1] : this.overflow.lastByte;
      this.countOverflow(chunk.subarray(start, end));
      out.push(this.finishOverflow(lastByte));
      return;
    }
    if (this.pendingBytes === 0) return this.emit(chunk, start, end, out);
    this.pending.push(chunk.subarray(start, end));
    this.pendingBytes += end - start;
    const line = this.takePending();
    this.emit(line, 0, line.length, out);
  }

  private emit(buf: Buffer, start: number, end: number, out: ParsedLine[]): void {
    if (end - start > this.maxLineBytes) {
      const bytes = contentEnd(buf, start, end) - start;
      out.push(parseError('line_too_long', bytes, this.excerpt(buf, start, end)));
      return;
    }
    const parsed = decodeLine(buf, start, end, false, this.excerptBytes);
    if (parsed !== undefined) out.push(parsed);
  }

  /** Keeps an incomplete tail; once the line is over the limit only its size is counted. */
  private hold(tail: Buffer): void {
    if (this.overflow !== undefined) {
      this.countOverflow(tail);
      this.overflow.lastByte = tail[tail.length - 1];
      return;
    }
    if (this.pendingBytes + tail.length > this.maxLineBytes) return this.startOverflow(tail);
    // Copied: the source may reuse its buffer, and a short tail must not pin a whole chunk.
    this.pending.push(Buffer.from(tail));
    this.pendingBytes += tail.length;
  }

  private startOverflow(tail: Buffer): void {
    const pieces = [...this.pending, tail];
    const bytes = this.pendingBytes + tail.length;
    const head = Buffer.concat(pieces, Math.min(bytes, this.headLimit));
    this.pending = [];
    this.pendingBytes = 0;
    this.overflow = { bytes, head, lastByte: tail[tail.length - 1] };
  }

  /** Counts dropped bytes; the head only grows when the limit is below the excerpt size. */
  private countOverflow(piece: Buffer): void {
    const overflow = this.overflow as Overflow;
    overflow.bytes += piece.length;
    const missing = this.headLimit - overflow.head.length;
    if (missing > 0 && piece.length > 0) {
      overflow.head = Buffer.concat([overflow.head, piece.subarray(0, missing)]);
    }
  }

  private finishOverflow(lastByte: number): ParsedLine {
    const { bytes, head } = this.overflow as Overflow;
    this.overflow = undefined;
    const contentBytes = lastByte === CR ? bytes - 1 : bytes;
    return parseError('line_too_long', contentBytes, this.excerpt(head, 0, head.length));
  }

  private excerpt(buf: Buffer, start: number, end: number): string {
    return utf8Excerpt(buf, start, end, this.excerptBytes);
  }

  private takePending(): Buffer {
    const line =
      this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }
}
