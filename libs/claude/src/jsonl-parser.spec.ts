import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonlParser, parseJsonl, type ParsedLine } from './jsonl-parser';
import { isResultMessage } from './messages';
import { isWellFormed, parseChunks, splitAt } from './parser/spec/test-support';

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
const messages = (lines: ParsedLine[]): unknown[] =>
  lines.map((l) => (l.kind === 'message' ? l.message : l));
const errors = (lines: ParsedLine[]): string[] =>
  lines.flatMap((l) => (l.kind === 'parse_error' ? [l.error.reason] : []));

const A =
  '{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"hi"}]}}';
const R = '{"subtype":"success","is_error":false,"type":"result","session_id":"s","result":"ok"}';

describe('parseJsonl: framing', () => {
  it('parses one object per line and reports its byte length', async () => {
    const out = await parseChunks([enc(`${A}\n${R}\n`)]);
    expect(out.map((l) => l.kind)).toEqual(['message', 'message']);
    expect(out[0]).toMatchObject({ kind: 'message', bytes: Buffer.byteLength(A) });
    expect(out[0]).not.toHaveProperty('schemaIssue');
  });

  it('gives the same lines for every two-chunk split and for 1-byte chunks', async () => {
    const input = enc(`${A}\r\n\n  \n${R}\nnot json\n[1]\n{"type":"x","é":"😀"}`);
    const whole = await parseChunks([input]);
    expect(whole).toHaveLength(5);
    for (let cut = 0; cut <= input.length; cut++) {
      expect(await parseChunks(splitAt(input, [cut]))).toEqual(whole);
    }
    const bytes = [...input].map((b) => Buffer.from([b]));
    expect(await parseChunks(bytes)).toEqual(whole);
  });

  it('strips the CR of CRLF, also when CR and LF arrive in different chunks', async () => {
    const out = await parseChunks([enc(`${A}\r`), enc(`\n${R}\r\n`)]);
    expect(out).toHaveLength(2);
    expect(out.every((l) => l.kind === 'message' && !('schemaIssue' in l))).toBe(true);
    expect(out[0]).toMatchObject({ bytes: Buffer.byteLength(A) });
  });

  it('decodes multi-byte UTF-8 characters split between chunks (2-, 3- and 4-byte)', async () => {
    const text = 'é € 😀 👩‍👩‍👧 𝄞';
    const input = enc(`${JSON.stringify({ type: 'x', text })}\n`);
    for (let cut = 0; cut <= input.length; cut++) {
      const [line] = await parseChunks(splitAt(input, [cut, cut + 1, cut + 2]));
      expect(line).toMatchObject({ kind: 'message', message: { type: 'x', text } });
    }
  });

  it('skips empty and whitespace-only lines silently', async () => {
    const out = await parseChunks([enc(`\n\n  \n\t\r\n\r\n${A}\n \n`)]);
    expect(out.map((l) => l.kind)).toEqual(['message']);
  });

  it('accepts string and Uint8Array chunks', async () => {
    const u8 = new Uint8Array(enc(`${R}\n`));
    const out = await parseChunks([`${A}\n`, u8]);
    expect(out.map((l) => l.kind)).toEqual(['message', 'message']);
  });

  it('accepts a Node Readable', async () => {
    const out: ParsedLine[] = [];
    for await (const l of parseJsonl(Readable.from([enc(`${A}\n${R}`)]))) out.push(l);
    expect(out).toHaveLength(2);
  });
});

describe('parseJsonl: bad lines', () => {
  it('reports non-JSON lines as invalid_json with a bounded excerpt and goes on', async () => {
    const banner = `[SandboxDebug] ${'ünïcødé 😀 '.repeat(500)}`;
    const out = await parseChunks([enc(`${banner}\n${A}\n`)]);
    expect(errors(out)).toEqual(['invalid_json']);
    const error = out[0].kind === 'parse_error' ? out[0].error : undefined;
    expect(error?.bytes).toBe(Buffer.byteLength(banner));
    expect(Buffer.byteLength(error?.excerpt ?? '')).toBeLessThanOrEqual(200);
    expect(banner.startsWith(error?.excerpt ?? 'x')).toBe(true);
    expect(out[1].kind).toBe('message');
  });

  it('never cuts an excerpt inside a character, whatever the excerpt size', async () => {
    const line = enc(`{"😀😀😀😀 é€\n`);
    for (let size = 0; size <= line.length; size++) {
      const [out] = await parseChunks([line], { excerptBytes: size });
      const excerpt = out.kind === 'parse_error' ? out.error.excerpt : '';
      expect(isWellFormed(excerpt)).toBe(true);
      expect(excerpt).not.toContain('\uFFFD');
      expect(Buffer.byteLength(excerpt)).toBeLessThanOrEqual(size);
    }
  });

  it('reports JSON that is not an object with a string type as not_an_object', async () => {
    const bad = [
      '[1,2]',
      '42',
      '"str"',
      'null',
      'true',
      '{"no":"type"}',
      '{"type":5}',
      '[{"type":"x"}]',
    ];
    const out = await parseChunks([enc(`${bad.join('\n')}\n${A}\n`)]);
    expect(errors(out)).toEqual(bad.map(() => 'not_an_object'));
    expect(out[bad.length].kind).toBe('message');
  });

  it('emits an unterminated final line that is complete JSON (exit without newline)', async () => {
    const out = await parseChunks([enc(`${A}\n`), enc(R)]);
    expect(out.map((l) => l.kind)).toEqual(['message', 'message']);
  });

  it('reports an unterminated final fragment that is not JSON as truncated', async () => {
    const cut = R.slice(0, 30);
    const out = await parseChunks([enc(`${A}\n${cut}`)]);
    expect(out[1]).toEqual({
      kind: 'parse_error',
      error: { reason: 'truncated', bytes: 30, excerpt: cut },
    });
    expect(await parseChunks([enc(`${A}\n  \r`)])).toHaveLength(1);
  });

  it('finds `type` wherever it is in the object', async () => {
    const [line] = await parseChunks([enc(`${R}\n`)]);
    expect(line.kind === 'message' && isResultMessage(line.message)).toBe(true);
  });

  it('passes unknown types through untouched, keeping every field in order', async () => {
    const raw = '{"uuid":"u","type":"future_event","nested":{"a":[1,{"b":null}]},"n":1.5}';
    const [line] = await parseChunks([enc(`${raw}\n`)]);
    expect(line.kind === 'message' && line.message).toEqual(JSON.parse(raw));
    expect(line.kind === 'message' && JSON.stringify(line.message)).toBe(raw);
    expect(line).not.toHaveProperty('schemaIssue');
  });

  it('flags a known type that fails its schema but still delivers it', async () => {
    const raw = '{"type":"result","is_error":false,"session_id":"s"}';
    const [line] = await parseChunks([enc(`${raw}\n`)]);
    expect(line).toMatchObject({ kind: 'message', message: JSON.parse(raw) });
    expect(line.kind === 'message' && line.schemaIssue).toMatch(/^result: subtype: /);
    expect(line.kind === 'message' && isResultMessage(line.message)).toBe(false);
  });
});

describe('parseJsonl: line length limit', () => {
  const long = `{"type":"x","pad":"${'y'.repeat(5000)}"}`;

  it('drops a line over maxLineBytes, reports it once and resyncs at the next newline', async () => {
    const input = enc(`${A}\n${long}\r\n${R}\n`);
    const expected = { reason: 'line_too_long', bytes: long.length, excerpt: long.slice(0, 100) };
    for (const size of [1, 7, 64, 1000, 4096, input.length]) {
      const chunks = splitAt(
        input,
        Array.from({ length: input.length / size }, (_, i) => i * size),
      );
      const out = await parseChunks(chunks, { maxLineBytes: 1024, excerptBytes: 100 });
      expect(out.map((l) => l.kind)).toEqual(['message', 'parse_error', 'message']);
      expect(out[1]).toEqual({ kind: 'parse_error', error: expected });
    }
  });

  it('accepts a line of exactly maxLineBytes and rejects one byte more', async () => {
    const line = `{"type":"x","p":"${'z'.repeat(100)}"}`;
    const max = Buffer.byteLength(line);
    expect(errors(await parseChunks([enc(`${line}\n`)], { maxLineBytes: max }))).toEqual([]);
    const over = await parseChunks([enc(line.slice(0, 50)), enc(`${line.slice(50)}\n`)], {
      maxLineBytes: max - 1,
    });
    expect(errors(over)).toEqual(['line_too_long']);
  });

  it('reports an over-long unterminated tail as line_too_long', async () => {
    const out = await parseChunks([enc(long.slice(0, 3000)), enc(long.slice(3000))], {
      maxLineBytes: 1024,
    });
    expect(out).toEqual([
      {
        kind: 'parse_error',
        error: expect.objectContaining({ reason: 'line_too_long', bytes: long.length }),
      },
    ]);
  });

  it('does not buffer an over-long line (256 MiB line, 1 MiB limit)', () => {
    const parser = new JsonlParser({ maxLineBytes: 1024 * 1024 });
    const block = Buffer.alloc(1024 * 1024, 0x61);
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    for (let i = 0; i < 256; i++) {
      expect(parser.push(block)).toEqual([]);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }
    const out = parser.push(enc(`\n${A}\n`));
    expect(out.map((l) => (l.kind === 'parse_error' ? l.error.bytes : l.kind))).toEqual([
      256 * 1024 * 1024,
      'message',
    ]);
    expect(peak).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('parseJsonl: backpressure', () => {
  it('pulls from the source only as fast as the consumer reads', async () => {
    const line = `${JSON.stringify({ type: 'x', pad: 'p'.repeat(1000) })}\n`;
    const total = 2000;
    let produced = 0;
    const source = new Readable({
      highWaterMark: 16 * 1024,
      read() {
        this.push(produced < total ? line : null);
        produced++;
      },
    });
    const it = parseJsonl(source)[Symbol.asyncIterator]();
    for (let i = 0; i < 5; i++) expect((await it.next()).done).toBe(false);
    // Checks that something does not happen, so no event to wait for: a reader without
    // backpressure pulls the whole in-memory source within a few ticks, well inside 50 ms.
    await sleep(50);
    const pushedBytes = produced * line.length;
    expect(pushedBytes).toBeLessThan(64 * 1024);
    let rest = 5;
    while (!(await it.next()).done) rest++;
    expect(rest).toBe(total);
  });

  it('ends the source when the consumer stops early', async () => {
    const source = Readable.from([enc(`${A}\n${A}\n${A}\n`)], { objectMode: false });
    for await (const l of parseJsonl(source)) {
      expect(l.kind).toBe('message');
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});

describe('JsonlParser (sync core)', () => {
  it('matches the async generator', async () => {
    const input = enc(`${A}\nnope\n${R}`);
    const parser = new JsonlParser();
    const sync = parser.end(parser.push(input));
    expect(messages(sync)).toEqual(messages(await parseChunks([input])));
  });
});
