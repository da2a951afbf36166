import { UsageReportInput } from '@app/contracts';
import { totalTokens, usd } from '@app/usage';
import { defineTool, type ToolDefinition } from '../mcp/toolset';
import { UsageReportOutput, type UsageReport } from './usage.outputs';
import type { UsageService } from './usage.service';

/** Sessions the answer's text names; structuredContent lists them all. */
const SESSIONS_IN_TEXT = 10;

/** usage_report (DESIGN.md, name fixed). */
export function usageTools(usage: UsageService): ToolDefinition[] {
  return [
    defineTool({
      name: 'usage_report',
      title: 'Usage and cost report',
      description:
        'Your usage over a time window: turns, tokens by kind and cost in USD (as the CLI ' +
        'reports it), in total and per session, the costliest first; and what you spent today ' +
        'against your daily budget. A turn counts when it ends. Default window: the current UTC ' +
        'day; from/to take ISO 8601 times or epoch milliseconds.',
      annotations: { readOnlyHint: true, openWorldHint: false },
      input: UsageReportInput,
      output: UsageReportOutput,
      handler: (args, ctx) => usage.report(ctx.tenant, args),
      answer: (r) => ({ text: describeReport(r) }),
    }),
  ];
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function describeReport(r: UsageReport): string {
  const lines = [
    `From ${r.from} to ${r.to}: ${count(r.total.turns, 'turn')}, ${totalTokens(r.total.usage)} tokens ` +
      `(${r.total.usage.input_tokens} input, ${r.total.usage.output_tokens} output, ` +
      `${r.total.usage.cache_creation_input_tokens} cache writes, ` +
      `${r.total.usage.cache_read_input_tokens} cache reads), ${usd(r.total.costUsd)}, ` +
      `${r.sessions.length}${r.truncated ? '+' : ''} ${r.sessions.length === 1 && !r.truncated ? 'session' : 'sessions'}.`,
    ...r.sessions
      .slice(0, SESSIONS_IN_TEXT)
      .map(
        (s) =>
          `${s.sessionId}: ${count(s.turns, 'turn')}, ${totalTokens(s.usage)} tokens, ${usd(s.costUsd)}`,
      ),
    `Today (UTC): ${usd(r.today.spentUsd)} spent` +
      (r.today.budgetUsdPerDay === null
        ? ', no daily budget.'
        : ` of the daily budget ${usd(r.today.budgetUsdPerDay)}.`),
  ];
  return lines.join('\n');
}
