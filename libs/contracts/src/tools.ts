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
  .uuid('sessionId must be a session id (a UUID) returned by session_start');
const checkpointId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'checkpointId must be 64 lowercase hex characters');
const prompt = z.string().min(1, 'must not be empty').max(MAX_PROMPT_CHARS);
const waitMs = z.number().int().min(0).max(MAX_WAIT_MS);
const relativePath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..'),
    'must be a relative path without ..',
  );

export const WorkspaceSeedSchema = z.union([
  z
    .object({
      git: z
        .object({ url: z.string().min(1).max(2048), ref: z.string().max(256).optional() })
        .strict(),
    })
    .strict(),
  z
    .object({
      files: z
        .array(
          z
            .object({
              path: relativePath,
              content: z.string(),
              encoding: z.enum(['utf8', 'base64']).optional(),
            })
            .strict(),
        )
        .min(1)
        .max(10_000),
    })
    .strict(),
  z
    .object({
      archive: z.object({ base64: z.string().min(1), format: z.enum(['tar', 'tar.gz']) }).strict(),
    })
    .strict(),
]);
export type WorkspaceSeed = z.infer<typeof WorkspaceSeedSchema>;

export const SessionStartInput = z
  .object({
    prompt,
    model: z
      .string()
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:[\]@/-]*$/)
      .optional(),
    checkpointId: checkpointId.optional(),
    workspace: WorkspaceSeedSchema.optional(),
    permissionMode: z
      .enum(['default', 'acceptEdits', 'plan', 'auto', 'dontAsk', 'bypassPermissions'])
      .optional(),
    allowedTools: z
      .array(
        z
          .string()
          .min(1)
          .max(200)
          .regex(/^[^,\n\r]+$/),
      )
      .max(100)
      .optional(),
    maxTurns: z.number().int().min(1).max(1000).optional(),
    appendSystemPrompt: z
      .string()
      .max(64 * 1024)
      .optional(),
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
    wait: z.boolean().optional(),
  })
  .strict();

export const SessionSendInput = z
  .object({ sessionId, message: prompt, wait: z.boolean().optional() })
  .strict();

export const SessionEventsInput = z
  .object({
    sessionId,
    after: z
      .string()
      .regex(/^\d+-\d+$/, 'after must be a cursor returned as `next`')
      .optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    waitMs: waitMs.optional(),
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
    status: SessionStatusSchema.optional(),
    limit: z.number().int().min(1).max(200).optional(),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const CheckpointCreateInput = z
  .object({ sessionId, label: z.string().max(200).optional() })
  .strict();

export const WorkspaceListInput = z
  .object({ sessionId, checkpointId: checkpointId.optional(), path: relativePath.optional() })
  .strict();

export const WorkspaceReadInput = z
  .object({
    sessionId,
    path: relativePath,
    checkpointId: checkpointId.optional(),
    offset: z.number().int().min(0).optional(),
    length: z
      .number()
      .int()
      .min(1)
      .max(8 * 1024 * 1024)
      .optional(),
  })
  .strict();

export const WorkspaceDiffInput = z
  .object({ sessionId, from: checkpointId.optional(), to: checkpointId.optional() })
  .strict();

export type SessionStartArgs = z.infer<typeof SessionStartInput>;
export type SessionSendArgs = z.infer<typeof SessionSendInput>;
export type SessionEventsArgs = z.infer<typeof SessionEventsInput>;
export type SessionListArgs = z.infer<typeof SessionListInput>;
export type SessionRespondArgs = z.infer<typeof SessionRespondInput>;
