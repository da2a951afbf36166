import type { ParseErrorData } from '@app/contracts';
import type { ClaudeMessage } from '../messages';

/** One JSON object line. `bytes` is the line's length without its `\n` / `\r\n`. */
export interface ParsedMessageLine {
  kind: 'message';
  message: ClaudeMessage;
  bytes: number;
  /** The line's JSON text exactly as the CLI wrote it (without the newline): relayed as is, never re-encoded. */
  raw: string;
  /**
   * Set when the line's `type` is known but the object failed that type's schema. The object
   * still passes through untouched (see messages.ts); the type guards will reject it.
   */
  schemaIssue?: string;
}

/** A line that was dropped; parsing went on with the next line. */
export interface ParseErrorLine {
  kind: 'parse_error';
  error: ParseErrorData;
}

export type ParsedLine = ParsedMessageLine | ParseErrorLine;

export interface JsonlParserOptions {
  /** Longer lines are dropped and reported as `line_too_long` (default 16 MiB). */
  maxLineBytes?: number;
  /** Size cap of the excerpt kept in a parse error (default 200 bytes). */
  excerptBytes?: number;
}

// Tool results and echoed base64 images routinely exceed 1 MiB (notes §4), so be generous.
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_EXCERPT_BYTES = 200;
