import { z } from 'zod';
import {
  ApprovalQuestionSchema,
  PermissionDecisionSchema,
  SessionEventSchema,
  SessionStatusSchema,
  UsageTotalsSchema,
} from '@app/contracts';

/*
 * The structuredContent of the session tools, advertised as their outputSchema. Clients
 * validate against it (objects list every key they may carry), and the tools' specs parse each
 * real answer with it, so it stays the truth.
 */

const iso = z.string().describe('ISO 8601 time');

/** How the tools show a session (session-view.ts). */
export const SessionViewSchema = z.object({
  status: SessionStatusSchema,
  turns: z.number().int().describe('Turns requested so far (the number of the latest turn).'),
  usage: UsageTotalsSchema.describe('Tokens used by every turn so far, by kind.'),
  costUsd: z.number().describe('What the turns cost so far, as the CLI reports it.'),
  lastCheckpointId: z
    .string()
    .nullable()
    .describe('The checkpoint taken after the last completed turn (null before one).'),
  createdAt: iso,
  updatedAt: iso,
  lastError: z.string().optional().describe('Why the last failed turn failed.'),
  stopReason: z
    .string()
    .optional()
    .describe(
      'Why the last turn was stopped before it ended: budget_exceeded (a budget was reached; ' +
        'lastError says which and how to go on).',
    ),
  budgetUsd: z.number().optional().describe('The session’s budget in USD (session_start/send).'),
  budgetTokens: z.number().optional().describe('The session’s budget in tokens.'),
});

/** A permission request a waited call or session_status shows. */
export const PendingRequestSchema = z.object({
  requestId: z.string(),
  tool: z.string(),
  input: z.unknown(),
  deadline: z.number().int().describe('Epoch ms: no answer by then denies the call.'),
  questions: z.array(ApprovalQuestionSchema).optional(),
});

/** The CLI's `result` line of a turn, unchanged; the fields a client reads most are named. */
export const CliResultSchema = z.looseObject({
  type: z.literal('result'),
  subtype: z.string().optional(),
  is_error: z.boolean().optional(),
  result: z.string().optional().describe('The answer text of the turn.'),
  session_id: z
    .string()
    .optional()
    .describe(
      "The Claude CLI's own session id (cliSessionId; its transcript name, for `claude --resume`), " +
        "not this backend's sessionId: use sessionId with every tool.",
    ),
});

export type CliResult = z.infer<typeof CliResultSchema>;

/** A turn as queued, or as a waited call (or a task) found it ended. */
const turnFields = {
  status: SessionStatusSchema.describe(
    'queued (not waited for), idle (the turn ended), failed, terminated, running (the wait ' +
      'ended first: go on with session_events from `events`) or waiting (a permission prompt: ' +
      'answer `pending` with session_respond).',
  ),
  result: CliResultSchema.optional(),
  error: z.string().optional().describe('What failed, when the turn did.'),
  errorCode: z
    .string()
    .optional()
    .describe(
      'The worker’s code for it: cli_failed, turn_lost, turn_crashed, no_credentials, ' +
        'budget_exceeded...',
    ),
  pending: PendingRequestSchema.optional(),
  message: z.string().optional().describe('With status waiting: what to do next.'),
  events: z
    .string()
    .optional()
    .describe('The cursor after the last event relayed: session_events { after } goes on here.'),
};

export const SessionStartOutput = z.object({ sessionId: z.string(), ...turnFields });
export const SessionSendOutput = z.object({ turn: z.number().int(), ...turnFields });
export type TurnAnswerFields = z.infer<typeof SessionSendOutput>;

export const SessionEventsOutput = z.object({
  events: z.array(SessionEventSchema),
  next: z.string().describe('Pass as `after` to read on from here.'),
  status: SessionStatusSchema,
});

export const SessionStatusOutput = SessionViewSchema.extend({
  pending: z.array(PendingRequestSchema).optional(),
});

export const SessionListOutput = z.object({
  sessions: z.array(SessionViewSchema.extend({ sessionId: z.string() })),
  next: z.string().optional().describe('Pass as `cursor` for the next page; absent on the last.'),
});

/** What session_interrupt did. */
export const InterruptOutcomeSchema = z.enum(['interrupted', 'dropped', 'nothing_running']);
export type InterruptOutcome = z.infer<typeof InterruptOutcomeSchema>;

export const SessionInterruptOutput = z.object({
  status: SessionStatusSchema.describe('The session status after the interrupt.'),
  outcome: InterruptOutcomeSchema.describe(
    'interrupted: a running turn was stopped; dropped: a queued turn was taken off the queue ' +
      'before it ran; nothing_running: no turn was queued or running.',
  ),
  turn: z.number().int().describe('The session’s latest turn.'),
  dropped: z
    .array(z.number().int())
    .optional()
    .describe('Turns that were queued behind the stopped one and were dropped before they ran.'),
});

export const SessionTerminateOutput = z.object({ status: z.literal('terminated') });

export const SessionRespondOutput = z.object({
  status: SessionStatusSchema,
  requestId: z.string(),
  decision: PermissionDecisionSchema,
});
