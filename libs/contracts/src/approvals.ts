import { z } from 'zod';

/*
 * Permission prompts answered by the remote client (session option `permissions: "ask"`): the
 * shapes of the two events (DESIGN.md, fixed), of a pending approval as stored in Redis and of
 * an answer. Gateway and worker both read them from here.
 */

/** How long a prompt waits for the client when the session does not say (5 minutes). */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 5 * 60_000;
/** Shortest and longest `approvalTimeoutMs` a session may ask for. */
export const MIN_APPROVAL_TIMEOUT_MS = 1_000;
export const MAX_APPROVAL_TIMEOUT_MS = 60 * 60_000;

/**
 * What a prompt is about, for the person asked: ": npm test" for a Bash command, ": src/a.ts"
 * for a file tool, "" when the input says nothing short.
 */
export function promptDetail(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const i = input as Record<string, unknown>;
  const detail = i.command ?? i.file_path ?? i.path ?? i.pattern ?? i.url;
  return typeof detail === 'string' && detail.length > 0 ? `: ${detail}` : '';
}

/** `allow` once, `allow_session` this call and identical ones for the rest of the session, `deny`. */
export const PermissionDecisionSchema = z.enum(['allow', 'allow_session', 'deny']);
export type PermissionDecision = z.infer<typeof PermissionDecisionSchema>;

/** Who decided: the client (session_respond), the deadline (no answer), or a policy (remembered). */
export const ResolvedBySchema = z.enum(['client', 'deadline', 'policy']);
export type ResolvedBy = z.infer<typeof ResolvedBySchema>;

/** One question of Claude's `AskUserQuestion` tool, as the client is shown it. */
export const ApprovalQuestionSchema = z.looseObject({
  question: z.string(),
  header: z.string().optional(),
  multiSelect: z.boolean().optional(),
  options: z
    .array(z.looseObject({ label: z.string(), description: z.string().optional() }))
    .optional(),
});
export type ApprovalQuestion = z.infer<typeof ApprovalQuestionSchema>;

/** `permission_request` event data; also what a pending approval holds. */
export const PermissionRequestDataSchema = z.object({
  requestId: z.string(),
  tool: z.string(),
  /** The tool's input, shortened where a value is very long (see summarizeInput). */
  input: z.unknown(),
  /** The CLI's own suggestions (rules, directories), passed on for the client to show. */
  suggestions: z.array(z.unknown()),
  /** Epoch ms: no answer by then denies the call. */
  deadline: z.number().int(),
  /** The `tool_use` block this prompt is about: a crashed turn's recovery reads it. */
  toolUseId: z.string().optional(),
  /** For `AskUserQuestion`: the questions to answer with `answers`. */
  questions: z.array(ApprovalQuestionSchema).optional(),
});
export type PermissionRequestData = z.infer<typeof PermissionRequestDataSchema>;

/** `permission_resolved` event data. */
export const PermissionResolvedDataSchema = z.object({
  requestId: z.string(),
  decision: PermissionDecisionSchema,
  by: ResolvedBySchema,
  /** From the CLI's request to the answer written back to it, measured by the worker. */
  latencyMs: z.number().nonnegative().optional(),
  /** Why a policy decided, when not a remembered allow_session (e.g. the turn ended). */
  reason: z.string().optional(),
});
export type PermissionResolvedData = z.infer<typeof PermissionResolvedDataSchema>;

/** A prompt waiting for its answer, as stored under the session's hash tag. */
export const PendingApprovalSchema = PermissionRequestDataSchema.extend({
  turn: z.number().int().nonnegative(),
  /** Identifies the call for allow_session: tool name plus its exact input. */
  signature: z.string(),
  createdAt: z.number().int(),
});
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

/** The answer that won (the first one), as stored. */
export const ApprovalAnswerSchema = z.object({
  decision: PermissionDecisionSchema,
  by: ResolvedBySchema,
  message: z.string().optional(),
  /** AskUserQuestion: question text → chosen option label(s) or free text. */
  answers: z.record(z.string(), z.string()).optional(),
  at: z.number().int(),
});
export type ApprovalAnswer = z.infer<typeof ApprovalAnswerSchema>;

/** The tool Claude asks the user questions with; its answer carries `answers`. */
export const QUESTION_TOOL = 'AskUserQuestion';
