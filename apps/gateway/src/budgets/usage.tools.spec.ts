import { randomUUID } from 'node:crypto';
import { SessionNotFound } from '@app/sessions';
import { useTestRedisTarget } from '@app/testing/services';
import { UsageLedger } from '@app/usage';
import { MemorySessionStore } from '../../../../test/support/memory';
import { answerOf } from '../mcp/tool-calls';
import { listingOf } from '../mcp/server-factory';
import type { ToolContext } from '../mcp/toolset';
import { UsageService } from './usage.service';
import { usageTools } from './usage.tools';

const turn = (sessionId: string, n: number, costUsd: number) => ({
  sessionId,
  turn: n,
  usage: {
    input_tokens: 100 * n,
    output_tokens: 10 * n,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 1000,
  },
  costUsd,
});

describe('usage_report (real Redis)', () => {
  const target = useTestRedisTarget({ topology: 'single', label: 'usage-tool' });
  let ledger: UsageLedger;
  const sessions = new MemorySessionStore();
  let tool: ReturnType<typeof usageTools>[number];
  beforeAll(() => {
    ledger = new UsageLedger(target().client());
    const service = new UsageService({
      sessions,
      ledger,
      limitsOf: (tenant) => ({ budgetUsdPerDay: tenant === 'acme' ? 100 : null }),
    });
    [tool] = usageTools(service);
  });

  async function call(tenant: string, args: Record<string, unknown>) {
    const ctx = { tenant, signal: new AbortController().signal } as ToolContext;
    const parsed = tool.input.parse(args);
    const structured = await tool.handler(parsed, ctx);
    const wire = JSON.parse(JSON.stringify(structured)) as Record<string, unknown>;
    // Parsing drops unknown keys: equality catches a key the schema (and clients) do not know.
    expect(tool.output?.parse(wire)).toEqual(wire);
    return { structured: wire, text: answerOf(tool, parsed, structured).content[0] };
  }

  it('is advertised read-only with an output schema and described inputs', () => {
    const [listed] = listingOf([tool]);
    expect(listed).toMatchObject({
      name: 'usage_report',
      annotations: { readOnlyHint: true },
      outputSchema: { type: 'object' },
    });
    const props = (listed.inputSchema as { properties: Record<string, { description?: string }> })
      .properties;
    expect(Object.keys(props).sort()).toEqual(['from', 'sessionId', 'to']);
    for (const p of Object.values(props)) expect(p.description).toEqual(expect.any(String));
  });

  it('sums the caller’s turns over today by default, per session, and names the budget', async () => {
    const tenant = 'acme';
    const a = await sessions.create(tenant, {});
    const b = await sessions.create(tenant, {});
    await ledger.record(tenant, turn(a.id, 1, 0.25));
    await ledger.record(tenant, turn(a.id, 2, 0.5));
    await ledger.record(tenant, turn(b.id, 1, 1));
    // Another tenant's turn is not in acme's report.
    await ledger.record('globex', turn(randomUUID(), 1, 7));

    const { structured, text } = await call(tenant, {});
    expect(structured).toMatchObject({
      total: {
        turns: 3,
        costUsd: 1.75,
        usage: { input_tokens: 400, cache_read_input_tokens: 3000 },
      },
      sessions: [
        { sessionId: b.id, turns: 1, costUsd: 1 },
        { sessionId: a.id, turns: 2, costUsd: 0.75 },
      ],
      today: { spentUsd: 1.75, budgetUsdPerDay: 100 },
    });
    expect(Date.parse(structured.from as string) % 86_400_000).toBe(0);
    expect(text).toMatchObject({ type: 'text' });
    expect((text as { text: string }).text).toMatch(
      /^From .* to .*: 3 turns, 3440 tokens \(400 input, 40 output, 0 cache writes, 3000 cache reads\), \$1\.7500, 2 sessions\./,
    );
    const one = await call(tenant, {
      sessionId: a.id,
      from: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(one.structured).toMatchObject({ total: { turns: 2, costUsd: 0.75 } });
  });

  it('answers another tenant’s session as not found, and refuses an empty window', async () => {
    const theirs = await sessions.create('globex', {});
    await expect(call('acme', { sessionId: theirs.id })).rejects.toBeInstanceOf(SessionNotFound);
    await expect(call('acme', { from: 2_000, to: 1_000 })).rejects.toThrow(
      /the window is empty: from \(1970-01-01T00:00:02\.000Z\) must be before to/,
    );
    expect(() => tool.input.parse({ from: 'yesterday-ish' })).toThrow(/ISO 8601/);
  });
});
