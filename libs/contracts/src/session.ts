import { z } from 'zod';

export const SESSION_STATUSES = [
  'queued',
  'running',
  // A turn waits for the client to answer a permission prompt (permissions: "ask").
  'waiting',
  'idle',
  'hibernated',
  'completed',
  'failed',
  'terminated',
] as const;
export const SessionStatusSchema = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

/**
 * Legal status changes. A follow-up message re-queues an idle, hibernated or failed session
 * (a failed turn can be retried from the transcript); an interrupted queued turn leaves the
 * session idle; `terminated` is final.
 */
export const SESSION_TRANSITIONS: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  queued: ['running', 'idle', 'failed', 'terminated'],
  running: ['idle', 'failed', 'terminated', 'completed', 'queued', 'waiting'],
  // A turn waiting for an approval: answered (running), ended under it (interrupt: idle; crash:
  // failed), or the session ended. `queued` never: the turn still runs.
  waiting: ['running', 'idle', 'failed', 'terminated'],
  idle: ['queued', 'running', 'hibernated', 'terminated', 'completed'],
  hibernated: ['queued', 'running', 'terminated'],
  failed: ['queued', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

/** Statuses a new message queues again: a failed turn can be retried from the transcript. */
export const REQUEUE_STATUSES: readonly SessionStatus[] = ['idle', 'hibernated', 'failed'];
/** Statuses of a session whose turn is under way on a worker (waiting: for an approval). */
export const TURN_ACTIVE_STATUSES: readonly SessionStatus[] = ['running', 'waiting'];
/** Statuses that take no more messages. */
export const CLOSED_STATUSES: readonly SessionStatus[] = ['terminated', 'completed'];

export const UsageTotalsSchema = z.object({
  input_tokens: z.number().nonnegative(),
  output_tokens: z.number().nonnegative(),
  cache_creation_input_tokens: z.number().nonnegative(),
  cache_read_input_tokens: z.number().nonnegative(),
});
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;
export const ZERO_USAGE: UsageTotals = {
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

/** What a session was started with; re-applied to every CLI process the session gets. */
export const SessionOptionsSchema = z.object({
  model: z.string().optional(),
  permissionMode: z.string().optional(),
  allowedTools: z.array(z.string()).optional(),
  maxTurns: z.number().int().optional(),
  appendSystemPrompt: z.string().optional(),
  /** `ask`: permission prompts go to the client (session_respond); absent: pre-approved only. */
  permissions: z.enum(['preapproved', 'ask']).optional(),
  /** How long a permission prompt waits for the client before it is denied. */
  approvalTimeoutMs: z.number().int().positive().optional(),
  /** Spend caps over the session's life (USD as the CLI reports it; tokens of every kind). */
  budgetUsd: z.number().positive().optional(),
  budgetTokens: z.number().int().positive().optional(),
  /** Restore/fork source (checkpoints issue). */
  checkpointId: z.string().optional(),
  /** Where the workspace came from: a seed tree already in the store, or a repository to clone. */
  workspace: z
    .object({
      seedTree: z.string().optional(),
      git: z.object({ url: z.string(), ref: z.string().optional() }).optional(),
    })
    .optional(),
});
export type SessionOptions = z.infer<typeof SessionOptionsSchema>;

/** The session record kept in Redis (one hash per session). */
export const SessionRecordSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  status: SessionStatusSchema,
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  /** Turns requested so far (the number of the latest turn). */
  turns: z.number().int().nonnegative(),
  /** Turns that finished with a `result`. */
  completedTurns: z.number().int().nonnegative(),
  options: SessionOptionsSchema,
  /** Claude's own session id (from `system/init`), used for `--resume`. */
  claudeSessionId: z.string().optional(),
  usage: UsageTotalsSchema,
  costUsd: z.number().nonnegative(),
  lastCheckpointId: z.string().optional(),
  lastError: z.string().optional(),
  /** Why the last turn was stopped before it ended (`budget_exceeded`); cleared when one starts. */
  stopReason: z.string().optional(),
  /** The turn running now (or last started), and how often it was started: a re-run counts. */
  runningTurn: z.number().int().positive().optional(),
  turnStarts: z.number().int().nonnegative().optional(),
  /** The newest turn that ended (idle or failed): a job for it or an older turn is stale. */
  settledTurn: z.number().int().nonnegative().optional(),
  /**
   * Turns up to this one that had not started when an interrupt dropped them: a job of theirs
   * still in flight (handed over, retried) is skipped by the worker.
   */
  droppedThrough: z.number().int().nonnegative().optional(),
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;
