import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Recorded real-CLI output, the same files the parser's property test runs on. */
export const FIXTURE_DIR = join(__dirname, '../test/fixtures/cli');

export interface FixtureSet {
  name: string;
  files: string[];
}

/** Stdout captures are what the parser sees in production; transcripts add very long lines. */
export function fixtureSets(): FixtureSet[] {
  const all = readdirSync(FIXTURE_DIR)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()
    .map((n) => join(FIXTURE_DIR, n));
  if (all.length === 0) throw new Error(`no recorded CLI output in ${FIXTURE_DIR}`);
  const stdout = all.filter((f) => !f.endsWith('.transcript.jsonl'));
  return [
    { name: 'stdout captures', files: stdout.length > 0 ? stdout : all },
    { name: 'stdout + transcripts', files: all },
  ];
}

/** The files back to back, each ending in a newline. */
export function concatFixtures(files: string[]): Buffer {
  return Buffer.concat(
    files.flatMap((f) => {
      const bytes = readFileSync(f);
      return bytes[bytes.length - 1] === 0x0a ? [bytes] : [bytes, Buffer.from('\n')];
    }),
  );
}

/** Repeats `unit` until the result holds at least `targetBytes`. */
export function repeatTo(unit: Buffer, targetBytes: number): Buffer {
  return Buffer.concat(Array<Buffer>(Math.ceil(targetBytes / unit.length)).fill(unit));
}

export async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    yield bytes.subarray(offset, offset + size);
  }
}
