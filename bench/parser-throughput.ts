import { StringDecoder } from 'node:string_decoder';
import { JsonlParser, parseJsonl, type ParsedLine } from '../libs/claude/src/jsonl-parser';
import { chunksOf } from './parser-corpus';

export const CHUNK_BYTES = 64 * 1024;

/** One way of turning the corpus into parsed objects; returns how many it produced. */
export interface Variant {
  name: string;
  parse(corpus: Buffer): Promise<number>;
}

function parseLines(lines: string[]): number {
  let count = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    JSON.parse(line);
    count++;
  }
  return count;
}

/** Reference: what a hand-rolled reader does with the whole output in memory. */
const baseline: Variant = {
  name: "baseline: toString + split('\\n') + JSON.parse",
  async parse(corpus) {
    return parseLines(corpus.toString('utf8').split('\n'));
  },
};

/** The usual streaming version of the baseline (string carry-over between chunks). */
const naiveStreaming: Variant = {
  name: 'naive streaming: StringDecoder + carry + split',
  async parse(corpus) {
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let count = 0;
    for await (const chunk of chunksOf(corpus, CHUNK_BYTES)) {
      const parts = (carry + decoder.write(chunk)).split('\n');
      carry = parts.pop() ?? '';
      count += parseLines(parts);
    }
    return count + parseLines([carry]);
  },
};

const countMessages = (lines: ParsedLine[]): number =>
  lines.reduce((n, l) => (l.kind === 'message' ? n + 1 : n), 0);

const asyncParser: Variant = {
  name: 'parseJsonl (async generator)',
  async parse(corpus) {
    let count = 0;
    for await (const line of parseJsonl(chunksOf(corpus, CHUNK_BYTES))) {
      if (line.kind === 'message') count++;
    }
    return count;
  },
};

const syncParser: Variant = {
  name: 'JsonlParser.push (sync core)',
  async parse(corpus) {
    const parser = new JsonlParser();
    const out: ParsedLine[] = [];
    let count = 0;
    for (let offset = 0; offset < corpus.length; offset += CHUNK_BYTES) {
      parser.push(corpus.subarray(offset, offset + CHUNK_BYTES), out);
      count += countMessages(out);
      out.length = 0;
    }
    return count + countMessages(parser.end());
  },
};

export const VARIANTS: Variant[] = [baseline, naiveStreaming, asyncParser, syncParser];

export interface Measurement {
  variant: string;
  messages: number;
  seconds: number;
}

const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Median of `runs` timed passes after one warm-up pass; variants interleave to share drift. */
export async function measure(corpus: Buffer, runs: number): Promise<Measurement[]> {
  const times = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const counts = new Map<Variant, number>();
  for (let run = -1; run < runs; run++) {
    for (const variant of VARIANTS) {
      collectGarbage();
      const started = process.hrtime.bigint();
      counts.set(variant, await variant.parse(corpus));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (run >= 0) times.get(variant)?.push(seconds);
    }
  }
  return VARIANTS.map((v) => ({
    variant: v.name,
    messages: counts.get(v) ?? 0,
    seconds: median(times.get(v) ?? []),
  }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
