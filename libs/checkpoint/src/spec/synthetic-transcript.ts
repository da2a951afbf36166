import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Grows Claude-like JSONL transcripts for tests and benchmarks from the recorded real-CLI
 * transcripts (test/fixtures/cli/*.transcript.jsonl): each appended line is a recorded line with
 * fresh uuids, hashes and timestamps, and its longer strings replaced by slices of real text
 * (TypeScript's lib .d.ts: code and prose), so the result neither repeats itself nor compresses
 * absurdly well. Deterministic for a given seed.
 */
const REPO = join(__dirname, '../../../..');
const FIXTURES = join(REPO, 'test/fixtures/cli');
const TEXT_SOURCES = ['lib.es5.d.ts', 'lib.dom.d.ts', 'typescript.d.ts'].map((f) =>
  join(REPO, 'node_modules/typescript/lib', f),
);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX = /^[0-9a-f]{16,}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const LONG_STRING = 40;

let cached: { lines: unknown[][]; text: string } | undefined;

function sources(): { lines: unknown[][]; text: string } {
  cached ??= {
    lines: readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.transcript.jsonl'))
      .sort()
      .map((f) =>
        readFileSync(join(FIXTURES, f), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as unknown),
      ),
    text: TEXT_SOURCES.map((f) => readFileSync(f, 'utf8')).join('\n'),
  };
  return cached;
}

/** mulberry32: small, fast, and the same sequence everywhere. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SyntheticTranscript {
  private readonly random: () => number;
  private clock = Date.UTC(2026, 10, 25, 9, 0, 0);
  private readonly parts: Buffer[] = [];
  private length = 0;

  constructor(seed = 1) {
    this.random = prng(seed);
  }

  get size(): number {
    return this.length;
  }

  /** The whole transcript so far. */
  bytes(): Buffer {
    if (this.parts.length > 1) this.parts.splice(0, this.parts.length, Buffer.concat(this.parts));
    return this.parts[0] ?? Buffer.alloc(0);
  }

  /** Appends whole lines until at least `bytes` were added; returns what was appended. */
  appendTurn(bytes: number): Buffer {
    const { lines } = sources();
    const added: Buffer[] = [];
    let addedBytes = 0;
    while (addedBytes < bytes) {
      const recording = lines[Math.floor(this.random() * lines.length)];
      for (
        let i = Math.floor(this.random() * recording.length);
        i < recording.length && addedBytes < bytes;
        i++
      ) {
        const line = Buffer.from(`${JSON.stringify(this.vary(recording[i]))}\n`);
        if (line.length > Math.max(bytes, 2048)) continue; // keep small targets small
        added.push(line);
        addedBytes += line.length;
      }
    }
    const chunk = Buffer.concat(added);
    this.parts.push(chunk);
    this.length += chunk.length;
    return chunk;
  }

  /** Appends turns of `turnBytes` until the transcript is at least `size` bytes. */
  growTo(size: number, turnBytes = 40_000): Buffer {
    while (this.length < size) this.appendTurn(Math.min(turnBytes, size - this.length));
    return this.bytes();
  }

  private vary(value: unknown): unknown {
    if (typeof value === 'string') return this.varyString(value);
    if (Array.isArray(value)) return value.map((v) => this.vary(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.vary(v)]));
    }
    return value;
  }

  private varyString(value: string): string {
    if (UUID.test(value))
      return this.hex(32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    if (HEX.test(value)) return this.hex(value.length);
    if (ISO_TIME.test(value)) {
      this.clock += Math.floor(this.random() * 5_000);
      return new Date(this.clock).toISOString();
    }
    if (value.length < LONG_STRING) return value;
    const { text } = sources();
    const start = Math.floor(this.random() * (text.length - value.length));
    return text.slice(start, start + value.length);
  }

  private hex(length: number): string {
    let out = '';
    while (out.length < length)
      out += Math.floor(this.random() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, length);
  }
}
