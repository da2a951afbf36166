import { z } from 'zod';
import { UsageTotalsSchema } from '@app/contracts';

/** structuredContent of usage_report, advertised as its outputSchema. */

const UsageSumsSchema = z.object({
  turns: z.number().int().describe('Turns that ended in the window.'),
  usage: UsageTotalsSchema.describe('Their tokens, by kind.'),
  costUsd: z.number().describe('Their cost in USD, as the CLI reported it.'),
});

export const UsageReportOutput = z.object({
  from: z.string().describe('Start of the window (ISO 8601, included).'),
  to: z.string().describe('End of the window (ISO 8601, excluded).'),
  total: UsageSumsSchema.describe(
    'Every turn of yours (or of the session asked for) in the window.',
  ),
  sessions: z
    .array(UsageSumsSchema.extend({ sessionId: z.string() }))
    .describe('Per session, the costliest first.'),
  truncated: z
    .boolean()
    .optional()
    .describe('true: more sessions used the window than are listed; `total` still counts them.'),
  today: z
    .object({
      spentUsd: z.number().describe('What your turns cost so far in the current UTC day.'),
      budgetUsdPerDay: z
        .number()
        .nullable()
        .describe('Your daily budget (null: none); beyond it new turns are refused.'),
    })
    .describe('Your spend of the current UTC day against your daily budget.'),
});
export type UsageReport = z.infer<typeof UsageReportOutput>;
