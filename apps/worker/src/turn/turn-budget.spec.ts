import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { ClaudeMessage, ResultMessage } from '@app/claude';
import type { SessionRecord } from '@app/contracts';
import { newSessionRecord } from '@app/sessions';
import type { TurnUsage } from '@app/usage';
import { TurnBudgets } from './turn-budget';

const logger = pino({ level: 'silent' });

/** A model call of `input` tokens in and `output` out, as the CLI prints it with partial messages. */
function call(id: string, input: number, output: number): ClaudeMessage[] {
  return [
    {
      type: 'stream_event',
      event: {
        type: 'message_start',
        message: {
          id,
          model: 'claude-sonnet-4-5',
          usage: { input_tokens: input, output_tokens: 1 },
        },
      },
    },
    {
      type: 'stream_event',
      event: { type: 'message_delta', usage: { output_tokens: output } },
      api_message_id: id,
    },
  ];
}

const interrupted: ResultMessage = {
  type: 'result',
  subtype: 'error_during_execution',
  is_error: true,
  session_id: 'c',
  usage: { input_tokens: 0, output_tokens: 0 },
};

function world(options: { budgetUsdPerDay?: number | null; daySpend?: number } = {}) {
  const recorded: Array<{ tenant: string; turn: TurnUsage }> = [];
  let day = options.daySpend ?? 0;
  const budgets = new TurnBudgets({
    ledger: {
      daySpend: async () => day,
      record: async (tenant, turn) => {
        recorded.push({ tenant, turn });
        day += turn.costUsd;
        return { at: Date.now(), daySpend: day };
      },
    },
    limitsOf: () => ({ budgetUsdPerDay: options.budgetUsdPerDay ?? null }),
    logger,
  });
  const live = { busy: true, currentTurn: 2, interrupts: 0 };
  const face = {
    get busy() {
      return live.busy;
    },
    get currentTurn() {
      return live.currentTurn;
    },
    interrupt: async () => void live.interrupts++,
  };
  return { budgets, recorded, live, face };
}

function session(options: SessionRecord['options'], used = 0): SessionRecord {
  const record = newSessionRecord(randomUUID(), 'acme', options);
  record.usage.input_tokens = used;
  return record;
}

describe('TurnBudget', () => {
  it('watches nothing without a cap, and still accounts the turn', async () => {
    const w = world();
    const budget = await w.budgets.open(session({}), 2, w.face);
    expect(budget.watch).toBeUndefined();
    const settled = await budget.settle(
      { ...interrupted, is_error: false, subtype: 'success', usage: { input_tokens: 7 } },
      0.5,
    );
    expect(settled.stop).toBeUndefined();
    expect(w.recorded).toEqual([
      {
        tenant: 'acme',
        turn: expect.objectContaining({
          turn: 2,
          costUsd: 0.5,
          usage: expect.objectContaining({ input_tokens: 7 }),
        }),
      },
    ]);
  });

  it('interrupts the turn once when it reaches the session’s token budget', async () => {
    const w = world();
    // 400 tokens used before this turn; the budget is 1000.
    const record = session({ budgetTokens: 1000 }, 400);
    const budget = await w.budgets.open(record, 2, w.face);
    for (const line of call('m1', 200, 100)) budget.watch?.(line);
    expect(w.live.interrupts).toBe(0); // 700
    for (const line of call('m2', 250, 80)) budget.watch?.(line);
    await Promise.resolve();
    expect(w.live.interrupts).toBe(1); // 400 + 300 + 330 ≥ 1000 once m2 has its output
    for (const line of call('m3', 100, 10)) budget.watch?.(line);
    expect(w.live.interrupts).toBe(1);

    const settled = await budget.settle(interrupted, 0.01);
    // The result reported no tokens; the metered ones are accounted.
    expect(settled.usage).toMatchObject({ input_tokens: 550, output_tokens: 190 });
    expect(settled.stop?.event).toEqual({
      turn: 2,
      kind: 'budget_exceeded',
      data: {
        scope: 'session',
        budget: 'tokens',
        limit: 1000,
        used: 400 + 740,
        detected: 400 + 300 + 330,
        message: expect.stringMatching(
          /^turn 2 was stopped: the session has used 1140 tokens of its budgetTokens 1000: send the message with session_send \{ budgetTokens/,
        ),
      },
    });
    expect(w.recorded[0].turn.usage.input_tokens).toBe(550);
  });

  it('interrupts at the tenant’s daily budget, counting what its other turns spent today', async () => {
    const w = world({ budgetUsdPerDay: 0.01, daySpend: 0.009 });
    const budget = await w.budgets.open(session({}), 2, w.face);
    // Sonnet: 200 input tokens ≈ $0.0006, past the $0.001 left.
    for (const line of call('m1', 200, 100)) budget.watch?.(line);
    await Promise.resolve();
    expect(w.live.interrupts).toBe(1);
    const settled = await budget.settle(interrupted, 0.004);
    expect(settled.stop?.event.data).toMatchObject({
      scope: 'tenant',
      budget: 'usd',
      limit: 0.01,
      used: expect.closeTo(0.013, 10),
    });
    expect(settled.stop?.message).toMatch(/tenant acme has spent .* until the day ends at/);
  });

  it('never interrupts a turn other than its own', async () => {
    const w = world();
    const budget = await w.budgets.open(session({ budgetUsd: 0.000001 }), 2, w.face);
    w.live.currentTurn = 3; // the watched turn ended, the next one runs
    for (const line of call('m1', 200, 100)) budget.watch?.(line);
    await Promise.resolve();
    expect(w.live.interrupts).toBe(0);
  });
});
