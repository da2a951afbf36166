import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoredCostUsd } from './restored-cost';

const fixtures = join(__dirname, '../../../../test/fixtures/cli');

describe('restoredCostUsd', () => {
  it('reads the total of the last cost-state record the CLI wrote', async () => {
    expect(await restoredCostUsd(join(fixtures, 'multi_turn.transcript.jsonl'))).toBeCloseTo(
      0.00048,
      10,
    );
    const dir = mkdtempSync(join(tmpdir(), 'cost-'));
    try {
      const path = join(dir, 't.jsonl');
      const state = (total: number) => JSON.stringify({ type: 'cost-state', totalCostUSD: total });
      writeFileSync(path, `${state(0.5)}\n{"type":"user"}\n${state(0.75)}\n{"type":"assistant"}`);
      expect(await restoredCostUsd(path)).toBe(0.75);
      writeFileSync(path, '{"type":"user"}\n');
      expect(await restoredCostUsd(path)).toBe(0);
      expect(await restoredCostUsd(join(dir, 'missing.jsonl'))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
