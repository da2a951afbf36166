import { QuotaExceeded } from '@app/contracts';
import type { GatewayMetrics } from '@app/metrics';
import { BudgetExceeded, type Breach } from '@app/usage';
import type { ToolDefinition } from '../mcp';

type Refusals = Pick<GatewayMetrics, 'quotaRefused' | 'budgetRefused'>;

/**
 * The tools, each counting the quota and budget refusals it answers. Every refusal of a tool
 * call ends as an error its handler throws (TenantQuotas, SpendGate, the workspace seeder), so
 * counting here, once, spares each of those a metrics dependency; the request-rate quota, which
 * refuses before any tool runs, is counted by TenantAuthMiddleware.
 */
export function countingRefusals(metrics: Refusals, tools: ToolDefinition[]): ToolDefinition[] {
  return tools.map((tool) => ({
    ...tool,
    handler: async (args, ctx) => {
      try {
        return await tool.handler(args, ctx);
      } catch (error) {
        if (error instanceof QuotaExceeded) metrics.quotaRefused(error.use.quota, ctx.tenant);
        if (error instanceof BudgetExceeded)
          metrics.budgetRefused(budgetOf(error.breach), ctx.tenant);
        throw error;
      }
    },
  }));
}

/** The breached budget by the name a client or operator sets it under. */
function budgetOf(breach: Breach): string {
  if (breach.scope === 'tenant') return 'budgetUsdPerDay';
  return breach.budget === 'usd' ? 'budgetUsd' : 'budgetTokens';
}
