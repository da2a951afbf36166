import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaudeMessage } from '@app/claude';
import { reconcileTokens, TurnUsageMeter } from './budget-meter';
import { estimateUsd } from './budget-prices';

/** The lines the real CLI printed for a recorded scenario (test/fixtures/cli). */
function recorded(name: string): ClaudeMessage[] {
  const path = join(__dirname, '../../../../test/fixtures/cli', `${name}.jsonl`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as ClaudeMessage);
}

const resultOf = (lines: ClaudeMessage[]) =>
  lines.find((l) => l.type === 'result') as unknown as {
    usage: Record<string, number>;
    total_cost_usd: number;
  };

describe('TurnUsageMeter on the real CLI’s lines', () => {
  it('sums each model call once (message_start, message_delta, repeated assistant lines)', () => {
    // Two model calls; the first one's assistant line is printed twice (text, then tool_use).
    const lines = recorded('partial');
    const meter = new TurnUsageMeter();
    const grew = lines.filter((l) => meter.observe(l)).length;
    const result = resultOf(lines);
    expect(meter.tokens()).toEqual({
      input_tokens: result.usage.input_tokens,
      output_tokens: result.usage.output_tokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    // Each call: its start, its output as it streams (estimated), its final output count.
    expect(grew).toBeGreaterThan(4);
    // Once every call has reported its output, the estimate is the reported figure, priced as
    // the CLI prices its default model.
    expect(meter.liveTokens()).toEqual(meter.tokens());
    expect(meter.estimatedUsd()).toBeCloseTo(result.total_cost_usd, 10);
  });

  it('sees what an interrupted turn used, which its result line does not report', () => {
    const lines = recorded('interrupt');
    const meter = new TurnUsageMeter();
    for (const line of lines) meter.observe(line);
    const result = resultOf(lines);
    expect(result.usage.input_tokens).toBe(0);
    const tokens = reconcileTokens(result.usage, meter.tokens());
    expect(tokens.input_tokens).toBe(10);
    expect(tokens.output_tokens).toBeGreaterThanOrEqual(1);
  });

  it('estimates a call’s output while it streams, before the API reports it', () => {
    const meter = new TurnUsageMeter();
    meter.observe({
      type: 'stream_event',
      event: { type: 'message_start', message: { id: 'm1', usage: { input_tokens: 10 } } },
    });
    const delta = (text: string) => ({
      type: 'stream_event',
      event: { type: 'content_block_delta', delta: { type: 'text_delta', text } },
    });
    expect(meter.observe(delta('a'.repeat(400)))).toBe(true);
    expect(meter.liveTokens().output_tokens).toBe(100);
    expect(meter.tokens().output_tokens).toBe(0); // not reported yet: never accounted as such
    expect(meter.observe(delta('abc'))).toBe(true); // 403 characters: a 101st token
    expect(meter.observe(delta('d'))).toBe(false); // 404: still 101
    meter.observe({
      type: 'stream_event',
      event: { type: 'message_delta', usage: { output_tokens: 90 } },
    });
    // The live figure never goes below what was streamed; the reported one is the API's.
    expect(meter.liveTokens().output_tokens).toBe(101);
    expect(meter.tokens().output_tokens).toBe(90);
  });

  it('ignores lines without usage and keeps the larger figure of each kind', () => {
    const meter = new TurnUsageMeter();
    expect(meter.observe({ type: 'system', subtype: 'init' })).toBe(false);
    expect(meter.observe({ type: 'stream_event', event: { type: 'content_block_delta' } })).toBe(
      false,
    );
    const start = (usage: Record<string, number>) => ({
      type: 'stream_event',
      event: { type: 'message_start', message: { id: 'm1', model: 'claude-sonnet-4-5', usage } },
    });
    expect(meter.observe(start({ input_tokens: 5, cache_read_input_tokens: 1000 }))).toBe(true);
    expect(
      meter.observe({
        type: 'stream_event',
        event: { type: 'message_delta', usage: { output_tokens: 40 } },
      }),
    ).toBe(true);
    expect(meter.observe(start({ input_tokens: 5 }))).toBe(false);
    expect(meter.tokens()).toEqual({
      input_tokens: 5,
      output_tokens: 40,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 1000,
    });
    // Sonnet: $3 in, $15 out, cache reads at a tenth of input.
    expect(meter.estimatedUsd()).toBeCloseTo((5 * 3 + 40 * 15 + 1000 * 0.3) / 1e6, 12);
    expect(estimateUsd('claude-haiku-4-5', { ...meter.tokens() })).toBeLessThan(
      meter.estimatedUsd(),
    );
  });
});
