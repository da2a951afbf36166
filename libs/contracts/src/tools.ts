import { z } from 'zod';
import {
  MAX_APPROVAL_TIMEOUT_MS,
  MIN_APPROVAL_TIMEOUT_MS,
  PermissionDecisionSchema,
} from './approvals';
import { SessionStatusSchema } from './session';

/*
 * Input schemas of the MCP tools (DESIGN.md, names fixed). They are the single source of the
 * argument types and of the JSON Schemas the gateway advertises. Limits keep one request from
 * costing the system more than a bounded amount of memory.
 */

export const MAX_PROMPT_CHARS = 1_000_000;
export const MAX_WAIT_MS = 120_000;

const sessionId = z
  .string()
  .uuid('sessionId must be a session id (a UUID) returned by session_start')
  .describe('The session id session_start returned.');
const checkpointId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'checkpointId must be 64 lowercase hex characters');
const prompt = z.string().min(1, 'must not be empty').max(MAX_PROMPT_CHARS);
const waitMs = z.number().int().min(0).max(MAX_WAIT_MS);
const wait = z
  .boolean()
  .optional()
  .describe(
    'true: hold this call until the turn ends and answer with Claude’s answer (short turns; ' +
      'progress notifications need _meta.progressToken). false or absent: answer at once with ' +
      'status "queued"; follow the turn with session_events.',
  );
const relativePath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..'),
    'must be a relative path without ..',
  );

const fromCheckpoint = 'Read as of this checkpoint (checkpoint_list); default: the latest.';

/** Spend caps of a session: set by session_start, replaced by session_send (to go on past one). */
const budgets = {
  budgetUsd: z
    .number()
    .positive()
    .max(1_000_000)
    .optional()
    .describe(
      'Most this session may cost over its life, in USD as the CLI reports it. A message sent ' +
        'once it is spent is refused; a turn that crosses it is interrupted (a budget_exceeded ' +
        'event). session_send { budgetUsd } replaces it, e.g. to go on past it.',
    ),
  budgetTokens: z
    .number()
    .int()
    .positive()
    .max(1e12)
    .optional()
    .describe(
      'Most tokens this session may use over its life, every kind counted (input, output, ' +
        'cache writes and cache reads). Enforced like budgetUsd; session_send { budgetTokens } ' +
        'replaces it.',
    ),
};

export const WorkspaceSeedSchema = z.union([
  z
    .object({
      git: z
        .object({
          url: z
            .string()
            .min(1)
            .max(2048)
            .describe('Repository URL (allowed prefixes: GIT_ALLOWED_URLS, default https://).'),
          ref: z.string().max(256).optional().describe('Branch, tag or commit (default: HEAD).'),
        })
        .strict()
        .describe('Clone a git repository (shallow) as the workspace.'),
    })
    .strict(),
  z
    .object({
      files: z
        .array(
          z
            .object({
              path: relativePath.describe('Path inside the workspace, relative, without ..'),
              content: z.string().describe('The file’s content, in `encoding`.'),
              encoding: z
                .enum(['utf8', 'base64'])
                .optional()
                .describe('How `content` is written (default utf8).'),
            })
            .strict(),
        )
        .min(1)
        .max(10_000)
        .describe('Files to write into an empty workspace.'),
    })
    .strict(),
  z
    .object({
      archive: z
        .object({
          base64: z.string().min(1).describe('The archive’s bytes, base64.'),
          format: z.enum(['tar', 'tar.gz']).describe('Archive format.'),
        })
        .strict()
        .describe('Unpack a tar archive as the workspace (within the 4 MiB request limit).'),
    })
    .strict(),
]);
export type WorkspaceSeed = z.infer<typeof WorkspaceSeedSchema>;

export const SessionStartInput = z
  .object({
    prompt: prompt.describe('The first message of the session (its first turn).'),
    model: z
      .string()
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:[\]@/-]*$/)
      .optional()
      .describe('The Claude model (the CLI’s --model; default: the CLI’s own).'),
    checkpointId: checkpointId
      .optional()
      .describe(
        'Restore or fork this checkpoint (checkpoint_list): its transcript and workspace; the ' +
          'new session goes on from there.',
      ),
    workspace: WorkspaceSeedSchema.optional().describe(
      'The files the session starts on: { git }, { files } or { archive } (default: empty).',
    ),
    permissionMode: z
      .enum(['default', 'acceptEdits', 'plan', 'auto', 'dontAsk', 'bypassPermissions'])
      .optional()
      .describe('The CLI’s --permission-mode: which tool calls run without asking.'),
    allowedTools: z
      .array(
        z
          .string()
          .min(1)
          .max(200)
          .regex(/^[^,\n\r]+$/)
          .describe('A tool rule, e.g. "Bash(git log:*)" or "Edit".'),
      )
      .max(100)
      .optional()
      .describe('The CLI’s --allowedTools: tool calls that run without approval.'),
    maxTurns: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Most model calls one turn may make before it stops (error_max_turns).'),
    appendSystemPrompt: z
      .string()
      .max(64 * 1024)
      .optional()
      .describe('Text appended to Claude Code’s system prompt for every turn.'),
    permissions: z
      .enum(['preapproved', 'ask'])
      .optional()
      .describe(
        'preapproved (default): tools not allowed up front are refused at once. ask: each tool ' +
          'call that needs approval pauses the turn (status "waiting", a permission_request ' +
          'event) until you answer it with session_respond, or approvalTimeoutMs passes (denied).',
      ),
    approvalTimeoutMs: z
      .number()
      .int()
      .min(MIN_APPROVAL_TIMEOUT_MS)
      .max(MAX_APPROVAL_TIMEOUT_MS)
      .optional()
      .describe(
        'With permissions "ask": how long a permission prompt waits for session_respond ' +
          'before the call is denied and the turn goes on (default 300000, 5 minutes).',
      ),
    ...budgets,
    wait,
  })
  .strict();

export const SessionSendInput = z
  .object({
    sessionId,
    message: prompt.describe('The follow-up message (the next turn).'),
    ...budgets,
    wait,
  })
  .strict();

export const SessionEventsInput = z
  .object({
    sessionId,
    after: z
      .string()
      .regex(/^\d+-\d+$/, 'after must be a cursor returned as `next`')
      .optional()
      .describe(
        'Cursor: the `next` of the previous answer (or `events` of a waited call); absent: from ' +
          'the start of the session.',
      ),
    limit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Most events in one answer (default 100).'),
    waitMs: waitMs
      .optional()
      .describe('Long-poll: wait up to this long for an event when none is there (default 0).'),
  })
  .strict();

export const SessionRespondInput = z
  .object({
    sessionId,
    requestId: z
      .string()
      .min(1)
      .max(200)
      .describe('The requestId of a permission_request event (or of a waited call’s `pending`).'),
    decision: PermissionDecisionSchema.describe(
      'allow: run this call once. allow_session: run it and every identical call (same tool, ' +
        'same input) for the rest of the session without asking. deny: refuse it; Claude is ' +
        'told and goes on.',
    ),
    message: z
      .string()
      .max(4_000)
      .optional()
      .describe('With deny: the reason, passed to Claude as the tool’s error.'),
    answers: z
      .record(z.string().max(4_000), z.string().max(4_000))
      .optional()
      .describe(
        'For an AskUserQuestion request (it lists `questions`): question text → the chosen ' +
          'option label (or your own text); answer with decision "allow".',
      ),
  })
  .strict();

export const SessionIdInput = z.object({ sessionId }).strict();

export const SessionListInput = z
  .object({
    status: SessionStatusSchema.optional().describe('Only sessions with this status.'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(200)
      .optional()
      .describe('Most sessions in one page (default 50).'),
    cursor: z
      .string()
      .max(200)
      .optional()
      .describe('The `next` of the previous page; absent: the newest sessions.'),
  })
  .strict();

export const CheckpointCreateInput = z
  .object({
    sessionId,
    label: z.string().max(200).optional().describe('A name for the checkpoint (checkpoint_list).'),
  })
  .strict();

export const WorkspaceListInput = z
  .object({
    sessionId,
    checkpointId: checkpointId.optional().describe(fromCheckpoint),
    path: relativePath.optional().describe('A directory (or file) to list; default: the root.'),
  })
  .strict();

export const WorkspaceReadInput = z
  .object({
    sessionId,
    path: relativePath.describe('The file, relative to the workspace root.'),
    checkpointId: checkpointId.optional().describe(fromCheckpoint),
    offset: z.number().int().min(0).optional().describe('First byte to read (default 0).'),
    length: z
      .number()
      .int()
      .min(1)
      .max(8 * 1024 * 1024)
      .optional()
      .describe('Bytes to read (default: 1 MiB).'),
  })
  .strict();

export const WorkspaceDiffInput = z
  .object({
    sessionId,
    from: checkpointId.optional().describe('The older checkpoint; default: the seed workspace.'),
    to: checkpointId.optional().describe('The newer checkpoint; default: the latest.'),
  })
  .strict();

const instant = z.union([
  z.number().int().nonnegative().describe('Epoch milliseconds.'),
  z
    .string()
    .max(64)
    .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time')
    .describe('ISO 8601 time, e.g. 2026-12-06T00:00:00Z.'),
]);

export const UsageReportInput = z
  .object({
    from: instant
      .optional()
      .describe('Start of the window (included); default: the start of the current UTC day.'),
    to: instant.optional().describe('End of the window (excluded); default: now.'),
    sessionId: sessionId
      .optional()
      .describe('Only this session (one of yours); default: every session of yours.'),
  })
  .strict();

export type UsageReportArgs = z.infer<typeof UsageReportInput>;
export type SessionStartArgs = z.infer<typeof SessionStartInput>;
export type SessionSendArgs = z.infer<typeof SessionSendInput>;
export type SessionEventsArgs = z.infer<typeof SessionEventsInput>;
export type SessionListArgs = z.infer<typeof SessionListInput>;
export type SessionRespondArgs = z.infer<typeof SessionRespondInput>;
