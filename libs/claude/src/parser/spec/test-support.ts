import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonl, type JsonlParserOptions, type ParsedLine } from '../../jsonl-parser';

/** Recorded real-CLI output (stdout captures and session transcripts), see test/fixtures/cli. */
export const CLI_FIXTURE_DIR = join(__dirname, '../../../../../test/fixtures/cli');

export function readCliFixtures(): Array<{ name: string; bytes: Buffer }> {
  let names: string[] = [];
  try {
    names = readdirSync(CLI_FIXTURE_DIR).filter((n) => n.endsWith('.jsonl'));
  } catch {
    names = [];
  }
  return names.sort().map((name) => ({ name, bytes: readFileSync(join(CLI_FIXTURE_DIR, name)) }));
}

async function* fromChunks(
  chunks: Array<Buffer | Uint8Array | string>,
): AsyncGenerator<Buffer | Uint8Array | string> {
  for (const chunk of chunks) yield chunk;
}

export async function parseChunks(
  chunks: Array<Buffer | Uint8Array | string>,
  options?: JsonlParserOptions,
): Promise<ParsedLine[]> {
  const out: ParsedLine[] = [];
  for await (const line of parseJsonl(fromChunks(chunks), options)) out.push(line);
  return out;
}

/** Cuts `bytes` at the given offsets (any order, duplicates allowed → empty chunks). */
export function splitAt(bytes: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...offsets].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** True when the string has no lone surrogate (it survives a UTF-8 round trip). */
export const isWellFormed = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s;
