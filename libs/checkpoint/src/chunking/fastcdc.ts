import { createHash } from 'node:crypto';

/**
 * FastCDC content-defined chunking (Xia et al., "FastCDC: a Fast and Efficient Content-Defined
 * Chunking Approach for Data Deduplication", USENIX ATC 2016): a gear rolling hash, cut-point
 * skipping below `min`, and normalized chunking (level 2: a stricter mask before `avg`, a looser
 * one after it, which pulls chunk sizes toward `avg`).
 *
 * The gear hash is 32-bit (V8 keeps it in a small integer; a 64-bit one needs BigInt and is
 * ~20× slower). Bit k of the hash depends only on the last k+1 bytes, so the masks use the top
 * bits: a cut depends on the last 32 bytes, the same window the paper's spread 64-bit masks aim at.
 */
export interface ChunkingOptions {
  minSize: number;
  avgSize: number;
  maxSize: number;
  /**
   * `byte`: cut wherever the hash says. `line`: move each cut forward to just after the next
   * `\n` (within maxSize), so JSONL chunks hold whole lines.
   */
  align?: 'byte' | 'line';
}

/**
 * For transcripts. Appends never rewrite a stored chunk (see storeChunked), so chunk size does
 * not change what a checkpoint after a turn stores; it sets how many objects a first (full)
 * checkpoint writes and a restore fetches. On s3rver, a 20 MB transcript in 256 KiB chunks
 * (58 objects) restored ~2.3x and first-checkpointed ~1.6x faster than in 64 KiB chunks (241),
 * and compressed better (19.5 % vs 23.5 %); see bench/checkpoint-store.bench.ts. A rewritten
 * (not grown) transcript still shares unchanged 64 KiB..1 MiB content-defined chunks.
 */
export const TRANSCRIPT_CHUNKING: ChunkingOptions = {
  minSize: 64 * 1024,
  avgSize: 256 * 1024,
  maxSize: 1024 * 1024,
  align: 'byte',
};

/** The suggestion, kept for comparison in the benchmark and for callers that want it. */
export const SMALL_TRANSCRIPT_CHUNKING: ChunkingOptions = {
  minSize: 16 * 1024,
  avgSize: 64 * 1024,
  maxSize: 256 * 1024,
  align: 'byte',
};

export interface ChunkSpan {
  offset: number;
  length: number;
}

/**
 * A fixed table from a fixed seed, so boundaries are the same in every process and every
 * version: changing it would make every stored chunk unreachable for deduplication.
 */
const GEAR_SEED = 'claude-session-backend/fastcdc/gear/v1';
export const GEAR = buildGearTable(GEAR_SEED);

function buildGearTable(seed: string): Int32Array {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    table[i] = createHash('sha256').update(`${seed}/${i}`).digest().readInt32BE(0);
  }
  return table;
}

/** `bits` one-bits at the top of a 32-bit word (as a signed int, like the hash). */
function topMask(bits: number): number {
  return bits <= 0 ? 0 : (~0 << (32 - Math.min(bits, 32))) | 0;
}

export function assertChunkingOptions({ minSize, avgSize, maxSize }: ChunkingOptions): void {
  const ok =
    Number.isInteger(minSize) &&
    Number.isInteger(avgSize) &&
    Number.isInteger(maxSize) &&
    minSize >= 64 &&
    minSize <= avgSize &&
    avgSize <= maxSize &&
    maxSize <= 2 ** 30;
  if (!ok) {
    throw new RangeError(
      `chunking sizes must be integers with 64 <= min <= avg <= max <= 1 GiB (got ${minSize}/${avgSize}/${maxSize})`,
    );
  }
}

/** Splits `bytes` into content-defined spans that cover it exactly, in order. */
export function chunkContent(
  bytes: Uint8Array,
  options: ChunkingOptions = TRANSCRIPT_CHUNKING,
): ChunkSpan[] {
  assertChunkingOptions(options);
  const bits = Math.round(Math.log2(options.avgSize));
  const masks = { strict: topMask(bits + 2), loose: topMask(bits - 2) };
  const spans: ChunkSpan[] = [];
  for (let offset = 0; offset < bytes.length;) {
    let end = findCut(bytes, offset, options, masks);
    if (options.align === 'line') end = alignToLine(bytes, offset, end, options.maxSize);
    spans.push({ offset, length: end - offset });
    offset = end;
  }
  return spans;
}

/** The paper's Algorithm 1 (with normalized chunking), on bytes[start..]; returns the end. */
function findCut(
  bytes: Uint8Array,
  start: number,
  { minSize, avgSize, maxSize }: ChunkingOptions,
  masks: { strict: number; loose: number },
): number {
  const remaining = bytes.length - start;
  if (remaining <= minSize) return bytes.length;
  const limit = start + Math.min(remaining, maxSize);
  const normal = Math.min(start + avgSize, limit);
  let hash = 0;
  let i = start + minSize;
  for (; i < normal; i++) {
    hash = ((hash << 1) + GEAR[bytes[i]]) | 0;
    if ((hash & masks.strict) === 0) return i + 1;
  }
  for (; i < limit; i++) {
    hash = ((hash << 1) + GEAR[bytes[i]]) | 0;
    if ((hash & masks.loose) === 0) return i + 1;
  }
  return limit;
}

function alignToLine(bytes: Uint8Array, start: number, cut: number, maxSize: number): number {
  if (cut >= bytes.length || bytes[cut - 1] === 0x0a) return cut;
  const newline = bytes.indexOf(0x0a, cut);
  const limit = Math.min(bytes.length, start + maxSize);
  return newline !== -1 && newline < limit ? newline + 1 : limit;
}
