import { SessionNotFound } from '@app/sessions';
import { BudgetExceeded } from '@app/usage';
import { MemorySessionStore } from '../../../../test/support/memory';
import { SpendGate } from './spend-gate';

const NOW = Date.UTC(2026, 11, 6, 12);

function gate(options: { daySpend?: number; budgetUsdPerDay?: number | null } = {}) {
  const sessions = new MemorySessionStore();
  const reads: string[] = [];
  const spend = new SpendGate({
    sessions,
    ledger: {
      daySpend: async (tenant) => {
        reads.push(tenant);
        return options.daySpend ?? 0;
      },
    },
    limitsOf: () => ({ budgetUsdPerDay: options.budgetUsdPerDay ?? null }),
    now: () => NOW,
  });
  return { sessions, spend, reads };
}

/** A session that has used `costUsd` and `tokens` so far. */
async function used(sessions: MemorySessionStore, options = {}, costUsd = 0, tokens = 0) {
  const { id } = await sessions.create('acme', options);
  await sessions.recordResult(id, {
    inputTokens: tokens,
    outputTokens: 0,
    cacheCreationTokens: 0,
    cacheReadTokens: 0,
    costUsd,
  });
  await sessions.transition(id, 'idle');
  return id;
}

describe('SpendGate', () => {
  it('refuses a new session once the tenant’s budget of the UTC day is spent', async () => {
    const open = gate({ budgetUsdPerDay: 0.01, daySpend: 0.009 });
    await expect(open.spend.admitSession('acme')).resolves.toBeUndefined();
    const spent = gate({ budgetUsdPerDay: 0.01, daySpend: 0.014 });
    const refused = spent.spend.admitSession('acme');
    await expect(refused).rejects.toBeInstanceOf(BudgetExceeded);
    await expect(refused).rejects.toThrow(
      'Budget exceeded: tenant acme has spent $0.0140 today of its daily budget $0.0100 ' +
        '(budgetUsdPerDay, per UTC day): new turns are refused until the day ends at ' +
        '2026-12-07T00:00:00.000Z',
    );
    // No daily cap: the day's spend is not even read.
    const uncapped = gate({ budgetUsdPerDay: null, daySpend: 1e9 });
    await uncapped.spend.admitSession('acme');
    expect(uncapped.reads).toEqual([]);
  });

  it('refuses a turn once the session’s budget is spent, naming budget, use and cap', async () => {
    const { sessions, spend } = gate();
    const id = await used(sessions, { budgetUsd: 0.5 }, 0.61);
    await expect(spend.admitTurn('acme', id)).rejects.toThrow(
      /^Budget exceeded: the session has cost \$0\.6100 of its budgetUsd \$0\.5000: send the message with session_send \{ budgetUsd: <more than 0\.6100> \}/,
    );
    const tokens = await used(sessions, { budgetTokens: 100 }, 0, 100);
    await expect(spend.admitTurn('acme', tokens)).rejects.toThrow(
      /the session has used 100 tokens of its budgetTokens 100/,
    );
    await expect(
      spend.admitTurn('acme', await used(sessions, { budgetUsd: 1 }, 0.5)),
    ).resolves.toBeUndefined();
  });

  it('takes a raised budget in the same call, and keeps it only when the turn is admitted', async () => {
    const { sessions, spend } = gate();
    const id = await used(sessions, { budgetUsd: 0.5, model: 'm' }, 0.61);
    // Still too low: refused, and the session keeps its budget.
    await expect(spend.admitTurn('acme', id, { budgetUsd: 0.6 })).rejects.toThrow(
      /budgetUsd \$0\.6000/,
    );
    expect((await sessions.find(id))?.options).toEqual({ budgetUsd: 0.5, model: 'm' });
    await spend.admitTurn('acme', id, { budgetUsd: 2, budgetTokens: 10_000 });
    expect((await sessions.find(id))?.options).toEqual({
      budgetUsd: 2,
      budgetTokens: 10_000,
      model: 'm',
    });
  });

  it('answers another tenant’s session as not found, and lets a closed one say it is closed', async () => {
    const { sessions, spend } = gate();
    const id = await used(sessions, { budgetUsd: 0.1 }, 1);
    await expect(spend.admitTurn('globex', id)).rejects.toBeInstanceOf(SessionNotFound);
    await sessions.transition(id, 'terminated');
    await expect(spend.admitTurn('acme', id)).resolves.toBeUndefined();
  });
});
