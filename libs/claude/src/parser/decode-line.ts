import type { ParseErrorData } from '@app/contracts';
import { classifyMessage } from '../messages';
import type { ParseErrorLine, ParsedLine, ParsedMessageLine } from './types';
import { utf8Excerpt } from './utf8-excerpt';

const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/** Line length without a trailing CR (the `\r` of `\r\n`). */
export function contentEnd(buf: Buffer, start: number, end: number): number {
  return end > start && buf[end - 1] === CR ? end - 1 : end;
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    if (byte !== SPACE && byte !== TAB && byte !== CR) return false;
  }
  return true;
}

export function parseError(
  reason: ParseErrorData['reason'],
  bytes: number,
  excerpt: string,
): ParseErrorLine {
  return { kind: 'parse_error', error: { reason, bytes, excerpt } };
}

/**
 * Turns one complete line (without its `\n`) into a parsed line, or undefined for a blank
 * line. `final` marks an unterminated fragment at end of stream: if it is not valid JSON the
 * process was most likely cut off mid-write, hence `truncated` rather than `invalid_json`.
 */
export function decodeLine(
  buf: Buffer,
  start: number,
  rawEnd: number,
  final: boolean,
  excerptBytes: number,
): ParsedLine | undefined {
  const end = contentEnd(buf, start, rawEnd);
  if (isBlank(buf, start, end)) return undefined;
  let value: unknown;
  const raw = buf.toString('utf8', start, end);
  try {
    value = JSON.parse(raw);
  } catch {
    const excerpt = utf8Excerpt(buf, start, end, excerptBytes);
    return parseError(final ? 'truncated' : 'invalid_json', end - start, excerpt);
  }
  const classified = classifyMessage(value);
  if (classified === undefined) {
    return parseError('not_an_object', end - start, utf8Excerpt(buf, start, end, excerptBytes));
  }
  const line: ParsedMessageLine = {
    kind: 'message',
    message: classified.message,
    bytes: end - start,
    raw,
  };
  if (classified.issue !== undefined) line.schemaIssue = classified.issue;
  return line;
}
