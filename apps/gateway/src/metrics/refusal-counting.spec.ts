import { z } from 'zod';
import { QuotaExceeded } from '@app/contracts';
import { BudgetExceeded, type Breach } from '@app/usage';
import type { ToolContext, ToolDefinition } from '../mcp';
import { countingRefusals } from './refusal-counting';

describe('countingRefusals', () => {
  const ctx = { tenant: 'acme', protocolVersion: '2025-11-25' } as ToolContext;
  const throwing = (error: Error): ToolDefinition => ({
    name: 'session_start',
    description: 'throws',
    input: z.object({}),
    handler: async () => {
      throw error;
    },
  });

  function refusalsOf(error: Error) {
    const metrics = { quotaRefused: jest.fn(), budgetRefused: jest.fn() };
    const [tool] = countingRefusals(metrics, [throwing(error)]);
    return { metrics, call: tool.handler({}, ctx) };
  }

  it('counts a quota refusal by its quota and passes the error on', async () => {
    const refusal = new QuotaExceeded({ quota: 'maxSessions', tenant: 'acme', limit: 1 }, 'full');
    const { metrics, call } = refusalsOf(refusal);
    await expect(call).rejects.toBe(refusal);
    expect(metrics.quotaRefused).toHaveBeenCalledWith('maxSessions', 'acme');
    expect(metrics.budgetRefused).not.toHaveBeenCalled();
  });

  it.each([
    [{ scope: 'session', budget: 'usd' }, 'budgetUsd'],
    [{ scope: 'session', budget: 'tokens' }, 'budgetTokens'],
    [{ scope: 'tenant', budget: 'usd' }, 'budgetUsdPerDay'],
  ] as const)('counts a budget refusal of %j as %s', async (kind, budget) => {
    const breach: Breach = { ...kind, limit: 1, used: 2 };
    const { metrics, call } = refusalsOf(new BudgetExceeded(breach, { tenant: 'acme', now: 0 }));
    await expect(call).rejects.toBeInstanceOf(BudgetExceeded);
    expect(metrics.budgetRefused).toHaveBeenCalledWith(budget, 'acme');
  });

  it('counts nothing for other errors', async () => {
    const { metrics, call } = refusalsOf(new Error('session not found'));
    await expect(call).rejects.toThrow('session not found');
    expect(metrics.quotaRefused).not.toHaveBeenCalled();
    expect(metrics.budgetRefused).not.toHaveBeenCalled();
  });
});
