/**
 * Which chunking gives the best incremental ratio on transcripts? Compared in memory (no store):
 * bytes of chunks a checkpoint would have to store that the previous checkpoint did not have,
 * divided by the bytes the turn appended. Also FastCDC throughput.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chunkContent,
  type ChunkingOptions,
  SMALL_TRANSCRIPT_CHUNKING,
  TRANSCRIPT_CHUNKING,
} from '../libs/checkpoint/src/chunking/fastcdc';
import { SyntheticTranscript } from '../libs/checkpoint/src/spec/synthetic-transcript';
import type { BenchReport } from './report';

interface Strategy {
  name: string;
  chunking: ChunkingOptions;
  /** Reuse the previous chunks and chunk only the appended bytes (what storeChunked does). */
  appendAware: boolean;
}
const STRATEGIES: Strategy[] = [
  {
    name: 'append-aware FastCDC 256 KiB (chosen)',
    chunking: TRANSCRIPT_CHUNKING,
    appendAware: true,
  },
  { name: 'FastCDC 64 KiB, whole file', chunking: SMALL_TRANSCRIPT_CHUNKING, appendAware: false },
  {
    name: 'line-aligned CDC 64 KiB, whole file',
    chunking: { ...SMALL_TRANSCRIPT_CHUNKING, align: 'line' },
    appendAware: false,
  },
  { name: 'FastCDC 256 KiB, whole file', chunking: TRANSCRIPT_CHUNKING, appendAware: false },
];

interface Chunked {
  hashes: Set<string>;
  spans: Array<{ hash: string; size: number }>;
}

function chunkWhole(bytes: Buffer, options: ChunkingOptions): Chunked {
  const spans = chunkContent(bytes, options).map((s) => ({
    hash: createHash('sha256')
      .update(bytes.subarray(s.offset, s.offset + s.length))
      .digest('hex'),
    size: s.length,
  }));
  return { hashes: new Set(spans.map((s) => s.hash)), spans };
}

/** Bytes of new chunks for `after` given `before` (`after` starts with `before`). */
function newBytes(
  strategy: Strategy,
  before: Buffer,
  after: Buffer,
): { bytes: number; chunks: number } {
  if (strategy.appendAware) {
    const tail = chunkContent(after.subarray(before.length), strategy.chunking);
    return { bytes: after.length - before.length, chunks: tail.length };
  }
  const old = chunkWhole(before, strategy.chunking);
  const fresh = chunkWhole(after, strategy.chunking).spans.filter((s) => !old.hashes.has(s.hash));
  return { bytes: fresh.reduce((n, s) => n + s.size, 0), chunks: fresh.length };
}

/** The real two-turn recording: the transcript after turn 1 is a prefix of the one after turn 2. */
function realTurnPair(): { before: Buffer; after: Buffer } {
  const file = join(__dirname, '../test/fixtures/cli/multi_turn.transcript.jsonl');
  const after = readFileSync(file);
  const lines = after.toString('utf8').split('\n');
  const secondTurn = lines.findIndex((l, i) => i > 0 && l.includes('"operation":"enqueue"'));
  const before = Buffer.from(lines.slice(0, secondTurn).join('\n') + '\n');
  if (!after.subarray(0, before.length).equals(before))
    throw new Error('multi_turn fixture: turn 1 is not a prefix');
  return { before, after };
}

function syntheticPairs(
  size: number,
  turns: number,
  seed: number,
): Array<{ before: Buffer; after: Buffer }> {
  const session = new SyntheticTranscript(seed);
  let before = Buffer.from(session.growTo(size));
  const pairs: Array<{ before: Buffer; after: Buffer }> = [];
  for (let i = 0; i < turns; i++) {
    session.appendTurn(10_000 + ((i * 7919) % 40_000));
    const after = Buffer.from(session.bytes());
    pairs.push({ before, after });
    before = after;
  }
  return pairs;
}

export function strategyRows(): BenchReport['rows'] {
  const cases = [
    { corpus: 'real CLI, multi_turn turn 2', pairs: [realTurnPair()] },
    { corpus: 'synthetic 1 MB + 10-50 kB turns', pairs: syntheticPairs(1e6, 10, 5) },
    { corpus: 'synthetic 20 MB + 10-50 kB turns', pairs: syntheticPairs(20e6, 4, 6) },
  ];
  const rows: BenchReport['rows'] = [];
  for (const { corpus, pairs } of cases) {
    const added = pairs.reduce((n, p) => n + p.after.length - p.before.length, 0);
    for (const strategy of STRATEGIES) {
      const results = pairs.map((p) => newBytes(strategy, p.before, p.after));
      const stored = results.reduce((n, r) => n + r.bytes, 0);
      rows.push({
        corpus,
        strategy: strategy.name,
        'turn kB (mean)': Math.round(added / pairs.length / 100) / 10,
        'new chunk bytes / added': Number((stored / added).toFixed(2)),
        'new chunks per turn': Number(
          (results.reduce((n, r) => n + r.chunks, 0) / pairs.length).toFixed(1),
        ),
      });
    }
  }
  return rows;
}

export function throughputRows(): BenchReport['rows'] {
  const data = new SyntheticTranscript(8).growTo(20e6);
  const configs = [
    { name: 'FastCDC 64/256/1024 KiB', options: TRANSCRIPT_CHUNKING },
    { name: 'FastCDC 16/64/256 KiB', options: SMALL_TRANSCRIPT_CHUNKING },
    {
      name: 'FastCDC 16/64/256 KiB, line-aligned',
      options: { ...SMALL_TRANSCRIPT_CHUNKING, align: 'line' as const },
    },
  ];
  return configs.map(({ name, options }) => {
    chunkContent(data.subarray(0, 1e6), options); // warm up the JIT
    const started = performance.now();
    const runs = 3;
    for (let i = 0; i < runs; i++) chunkContent(data, options);
    const seconds = (performance.now() - started) / 1000;
    return { chunker: name, 'MB/s': Math.round((runs * data.length) / 1e6 / seconds) };
  });
}
