import fc from 'fast-check';
import type { ParsedLine } from '../jsonl-parser';
import { parseChunks, readCliFixtures, splitAt } from './spec/test-support';

const messagesOf = (lines: ParsedLine[]): unknown[] =>
  lines.flatMap((l) => (l.kind === 'message' ? [l.message] : []));

/** Chunk boundaries as arbitrary cut offsets into `length` bytes (duplicates → empty chunks). */
const cutsIn = (length: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: length }), { maxLength: 300 });

/** Cuts every 1..n bytes: exercises tiny chunks (split characters, split CRLF) everywhere. */
const smallChunkCuts = (length: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }).map((sizes) => {
    const cuts: number[] = [];
    for (let at = 0, i = 0; at < length; i++) cuts.push((at += sizes[i % sizes.length]));
    return cuts.filter((c) => c < length);
  });

describe('parseJsonl on recorded real-CLI output (test/fixtures/cli/*.jsonl)', () => {
  const fixtures = readCliFixtures();
  const corpus = Buffer.concat(fixtures.flatMap((f) => [f.bytes, Buffer.from('\n')]));

  it('has fixtures to run on', () => {
    expect(fixtures.map((f) => f.name)).not.toEqual([]);
  });

  it('one whole read matches split + JSON.parse, with no errors or schema issues', async () => {
    const whole = await parseChunks([corpus]);
    const reference = corpus
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as unknown);
    expect(whole.filter((l) => l.kind !== 'message')).toEqual([]);
    expect(whole.filter((l) => l.kind === 'message' && l.schemaIssue !== undefined)).toEqual([]);
    expect(messagesOf(whole)).toEqual(reference);
  });

  it('random chunk splits yield exactly the lines of one whole read', async () => {
    const whole = await parseChunks([corpus]);
    await fc.assert(
      fc.asyncProperty(cutsIn(corpus.length), async (cuts) => {
        expect(await parseChunks(splitAt(corpus, cuts))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it.each(fixtures.map((f) => [f.name, f.bytes] as const))(
    '%s in small random chunks yields the same lines as one read',
    async (_name, bytes) => {
      const whole = await parseChunks([bytes]);
      await fc.assert(
        fc.asyncProperty(smallChunkCuts(bytes.length), async (cuts) => {
          expect(await parseChunks(splitAt(bytes, cuts))).toEqual(whole);
        }),
        { numRuns: 15 },
      );
    },
  );
});

const text = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\n/g, ' '));
const jsonLine = fc
  .record({ type: fc.constantFrom('assistant', 'result', 'stream_event', 'x'), t: text })
  .map((o) => JSON.stringify(o));
const badLine = fc.oneof(
  text, // mostly invalid JSON, sometimes blank or a JSON scalar
  fc.constantFrom('', ' ', '\t', '[1]', 'null', '{"a":1}', '{"type":1}', '{"type":"x"'),
  fc.integer({ min: 0, max: 600 }).map((n) => `{"type":"x","p":"${'é'.repeat(n)}"}`),
);
const line = fc.oneof({ weight: 3, arbitrary: jsonLine }, { weight: 2, arbitrary: badLine });
const document = fc
  .record({
    lines: fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n')), { maxLength: 30 }),
    terminated: fc.boolean(),
  })
  .map(({ lines, terminated }) => {
    const joined = lines.map(([l, eol]) => l + eol).join('');
    return Buffer.from(terminated ? joined : joined.replace(/\r?\n$/, ''), 'utf8');
  });

describe('parseJsonl on generated hostile input', () => {
  it('the result does not depend on how the bytes are chunked', async () => {
    const input = document.chain((bytes) =>
      fc.record({
        bytes: fc.constant(bytes),
        cuts: fc.oneof(cutsIn(bytes.length), smallChunkCuts(bytes.length)),
        maxLineBytes: fc.integer({ min: 8, max: 1200 }),
        excerptBytes: fc.integer({ min: 0, max: 64 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(input, async ({ bytes, cuts, maxLineBytes, excerptBytes }) => {
        const options = { maxLineBytes, excerptBytes };
        const whole = await parseChunks([bytes], options);
        expect(await parseChunks(splitAt(bytes, cuts), options)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});
