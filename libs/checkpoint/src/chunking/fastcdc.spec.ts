import { createHash, randomBytes } from 'node:crypto';
import { SyntheticTranscript } from '../spec/synthetic-transcript';
import {
  chunkContent,
  type ChunkingOptions,
  type ChunkSpan,
  GEAR,
  SMALL_TRANSCRIPT_CHUNKING,
  TRANSCRIPT_CHUNKING,
} from './fastcdc';

/** Deterministic pseudo-random bytes (sha256 in counter mode), so pinned values stay valid. */
function seededBytes(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0, block = 0; i < length; block++) {
    const digest = createHash('sha256').update(`${seed}/${block}`).digest();
    i += digest.copy(out, i);
  }
  return out;
}

const hashes = (bytes: Buffer, spans: ChunkSpan[]): string[] =>
  spans.map((s) =>
    createHash('sha256')
      .update(bytes.subarray(s.offset, s.offset + s.length))
      .digest('hex'),
  );

const SMALL: ChunkingOptions = { minSize: 2048, avgSize: 8192, maxSize: 32768 };

describe('chunkContent (FastCDC)', () => {
  const data = seededBytes(8 << 20, 'fastcdc-spec');

  it('covers the input exactly, in order, and is deterministic', () => {
    const spans = chunkContent(data);
    let offset = 0;
    for (const span of spans) {
      expect(span.offset).toBe(offset);
      offset += span.length;
    }
    expect(offset).toBe(data.length);
    expect(chunkContent(data)).toEqual(spans);
  });

  it('keeps every chunk within min..max (only the last may be shorter) and near the average', () => {
    for (const options of [TRANSCRIPT_CHUNKING, SMALL_TRANSCRIPT_CHUNKING, SMALL]) {
      const spans = chunkContent(data, options);
      spans.slice(0, -1).forEach((s) => {
        expect(s.length).toBeGreaterThanOrEqual(options.minSize);
        expect(s.length).toBeLessThanOrEqual(options.maxSize);
      });
      expect(spans.at(-1)?.length).toBeLessThanOrEqual(options.maxSize);
      const mean = data.length / spans.length;
      expect(mean).toBeGreaterThan(options.avgSize * 0.75);
      expect(mean).toBeLessThan(options.avgSize * 1.6);
    }
  });

  it('an insertion at the start changes only the first chunk(s)', () => {
    const before = hashes(data, chunkContent(data, SMALL));
    const edited = Buffer.concat([randomBytes(100), data]);
    const after = new Set(hashes(edited, chunkContent(edited, SMALL)));
    const kept = before.filter((h) => after.has(h)).length;
    expect(kept).toBeGreaterThanOrEqual(before.length - 2);
  });

  it('an edit in the middle leaves the chunks before and most after it untouched', () => {
    const before = hashes(data, chunkContent(data, SMALL));
    const edited = Buffer.from(data);
    edited.fill(0x41, 2_000_000, 2_000_050);
    const after = new Set(hashes(edited, chunkContent(edited, SMALL)));
    expect(before.filter((h) => !after.has(h)).length).toBeLessThanOrEqual(3);
  });

  // Expected values come from an independent Python implementation of the same algorithm.
  it('cuts at the same places in every process and version (pinned gear table and boundaries)', () => {
    expect([GEAR[0], GEAR[1], GEAR[255]]).toEqual([1744888352, -541643279, -423028962]);
    const lengths = chunkContent(seededBytes(1 << 20, 'pinned'), SMALL).map((s) => s.length);
    expect(lengths.slice(0, 6)).toEqual([10757, 3671, 10167, 13019, 9994, 10257]);
  });

  it('with line alignment, every chunk of a JSONL file ends with a newline', () => {
    const jsonl = new SyntheticTranscript(3).growTo(2_000_000);
    const spans = chunkContent(jsonl, { ...SMALL_TRANSCRIPT_CHUNKING, align: 'line' });
    expect(spans.length).toBeGreaterThan(10);
    for (const s of spans) expect(jsonl[s.offset + s.length - 1]).toBe(0x0a);
  });

  it('returns nothing for empty input and one chunk for input up to min', () => {
    expect(chunkContent(Buffer.alloc(0))).toEqual([]);
    expect(chunkContent(Buffer.alloc(100))).toEqual([{ offset: 0, length: 100 }]);
  });

  it('rejects sizes that cannot work', () => {
    expect(() => chunkContent(data, { minSize: 4096, avgSize: 1024, maxSize: 8192 })).toThrow(
      RangeError,
    );
    expect(() => chunkContent(data, { minSize: 1, avgSize: 2, maxSize: 3 })).toThrow(/64 <= min/);
  });
});
