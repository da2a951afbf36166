/**
 * Deterministic, varied assistant text for the stub to send: sentences drawn with a Zipf-like
 * skew from a fixed vocabulary, with numbers, identifiers and the odd code block mixed in, so
 * zstd finds roughly what it finds in real replies (a third or so) rather than a repeated
 * string it would shrink a hundredfold.
 */

/** mulberry32: small, fast, the same sequence everywhere. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = (
  'the of and to in is that for it as with was on be by this are from at or an which have not ' +
  'has but can all will one were more when there their also into other its may some than these ' +
  'would only after two so first over new most such any time between each where about through ' +
  'build test file worker session request value error result change config queue store cache ' +
  'memory latency restore checkpoint stream chunk object bucket client server process output ' +
  'input module function type interface method return update delete create read write retry'
).split(' ');

const SYLLABLES =
  'ka lo mi ter an ze qua ri sto vel ne pho dru gal is om bre tic fen ul sar vo pen dex'.split(' ');

/** A fixed lexicon: common words first (drawn most often), then made-up rarer ones. */
const LEXICON: string[] = (() => {
  const random = prng(7);
  const made = new Set<string>();
  while (made.size < 3000) {
    const parts = 2 + Math.floor(random() * 3);
    made.add(Array.from({ length: parts }, () => pick(SYLLABLES, random)).join(''));
  }
  return [...COMMON, ...made];
})();

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)];
}

/** Index skewed towards the start of the lexicon, as word frequencies are. */
function zipfWord(random: () => number): string {
  const u = random();
  return LEXICON[Math.min(LEXICON.length - 1, Math.floor(LEXICON.length * u ** 3))];
}

function token(random: () => number): string {
  const r = random();
  if (r < 0.05) return String(Math.floor(random() * 1e6));
  if (r < 0.07) return (random() * 1000).toFixed(2);
  if (r < 0.08) return `${zipfWord(random)}_${Math.floor(random() * 1e4).toString(16)}`;
  return zipfWord(random);
}

function sentence(random: () => number): string {
  const words = Array.from({ length: 6 + Math.floor(random() * 18) }, () => token(random));
  const text = words.join(' ');
  return `${text[0].toUpperCase()}${text.slice(1)}${random() < 0.1 ? '?' : '.'}`;
}

function codeBlock(random: () => number): string {
  const lines = Array.from({ length: 2 + Math.floor(random() * 6) }, () => {
    const name = `${zipfWord(random)}${Math.floor(random() * 100)}`;
    return `const ${name} = ${token(random) === 'the' ? 'null' : Math.floor(random() * 1e5)};`;
  });
  return ['```ts', ...lines, '```'].join('\n');
}

/** About `bytes` characters (ASCII) of paragraphs, deterministic for a given seed. */
export function prose(bytes: number, seed: number): string {
  const random = prng(seed);
  const parts: string[] = [];
  let length = 0;
  while (length < bytes) {
    const paragraph =
      random() < 0.08
        ? codeBlock(random)
        : Array.from({ length: 2 + Math.floor(random() * 5) }, () => sentence(random)).join(' ');
    parts.push(paragraph);
    length += paragraph.length + 2;
  }
  return parts.join('\n\n').slice(0, bytes);
}
