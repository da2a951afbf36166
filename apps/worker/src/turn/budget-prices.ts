import type { UsageTotals } from '@app/contracts';

/**
 * List prices (USD per million tokens) for estimating a turn's cost while it runs. The CLI
 * reports the real cost only in the turn's `result`; the estimate only decides when to stop a
 * turn, and the turn's cost is reconciled with the CLI's figure at its end. Cache writes cost
 * 1.25 × input, cache reads 0.1 × input (Anthropic's 5-minute cache pricing).
 */
interface Price {
  input: number;
  output: number;
}

/** First match wins: the specific versions before their family. */
const PRICES: ReadonlyArray<[RegExp, Price]> = [
  // What CLI 2.1.332 charges for its default model (seen in its own result lines).
  [/opus-5/, { input: 4, output: 20 }],
  [/opus-4-(5|6|7)/, { input: 5, output: 25 }],
  [/opus/, { input: 15, output: 75 }],
  [/sonnet/, { input: 3, output: 15 }],
  [/haiku-4|haiku-5/, { input: 1, output: 5 }],
  [/3-5-haiku|haiku-3-5/, { input: 0.8, output: 4 }],
  [/haiku/, { input: 0.25, output: 1.25 }],
];

/** A model this table does not know is priced like a current top model, so caps hold early. */
const UNKNOWN: Price = { input: 5, output: 25 };

export function priceOf(model: string | undefined): Price {
  if (model) for (const [pattern, price] of PRICES) if (pattern.test(model)) return price;
  return UNKNOWN;
}

/** Estimated USD of `usage` on `model`. */
export function estimateUsd(model: string | undefined, usage: UsageTotals): number {
  const p = priceOf(model);
  return (
    (usage.input_tokens * p.input +
      usage.cache_creation_input_tokens * p.input * 1.25 +
      usage.cache_read_input_tokens * p.input * 0.1 +
      usage.output_tokens * p.output) /
    1e6
  );
}
