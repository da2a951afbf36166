import { JsonlParser } from './parser/jsonl-splitter';
import type { JsonlParserOptions, ParsedLine } from './parser/types';

export { JsonlParser } from './parser/jsonl-splitter';
export {
  DEFAULT_EXCERPT_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  type JsonlParserOptions,
  type ParseErrorLine,
  type ParsedLine,
  type ParsedMessageLine,
} from './parser/types';

/*
 * Bounds the work done eagerly per pull: a source that hands over one huge buffer (a file read
 * whole) is parsed in slices, so memory for parsed-but-unconsumed lines stays small.
 */
const SLICE_BYTES = 1024 * 1024;

type Chunk = Buffer | Uint8Array | string;

function toBuffer(chunk: Chunk): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Parses `claude --output-format stream-json` stdout (one JSON object per line) into messages
 * and parse errors; a bad line never stops the stream.
 *
 * Pull-based: the next chunk is read only when the consumer has taken every line of the
 * previous one, so a slow consumer leaves a child's stdout paused (kernel pipe backpressure)
 * instead of buffering it. Ending the loop early (`break`) ends the source's iteration, which
 * destroys a Node Readable.
 */
export async function* parseJsonl(
  source: AsyncIterable<Chunk> | NodeJS.ReadableStream,
  options: JsonlParserOptions = {},
): AsyncGenerator<ParsedLine> {
  const parser = new JsonlParser(options);
  const batch: ParsedLine[] = [];
  for await (const chunk of source as AsyncIterable<Chunk>) {
    const bytes = toBuffer(chunk);
    for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) {
      const slice =
        bytes.length <= SLICE_BYTES ? bytes : bytes.subarray(offset, offset + SLICE_BYTES);
      parser.push(slice, batch);
      for (const line of batch) yield line;
      batch.length = 0;
    }
  }
  for (const line of parser.end(batch)) yield line;
}
