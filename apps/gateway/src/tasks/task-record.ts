import { z } from 'zod';

/** Task statuses of the 2026-07-28 tasks extension (io.modelcontextprotocol/tasks). */
export const TaskStatus = z.enum(['working', 'input_required', 'completed', 'failed', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** Statuses a task can still leave; the others are final (a cancel is never overwritten). */
export const OPEN_STATUSES: readonly TaskStatus[] = ['working', 'input_required'];

const json = z
  .string()
  .optional()
  .transform((text) => (text ? (JSON.parse(text) as unknown) : undefined));
const millis = z.coerce.number().int().nonnegative();

/** A task as stored in its Redis hash (every field a string there). */
export const StoredTask = z.object({
  taskId: z.string(),
  tenant: z.string(),
  tool: z.string(),
  status: TaskStatus,
  statusMessage: z.string().optional(),
  createdAt: millis,
  lastUpdatedAt: millis,
  ttlMs: millis,
  pollIntervalMs: millis,
  /** Until when the gateway running the call vouches for it (refreshed while it runs). */
  leaseUntil: millis,
  /** The session of the task's turn: session_send names it, session_start's call records it. */
  sessionId: z.string().optional(),
  /** The turn the call queued and the cursor before it: where another replica follows it on. */
  turn: z.coerce.number().int().positive().optional(),
  cursor: z.string().optional(),
  /** Its client declared form elicitation ('1'): its prompts are input requests, else messages. */
  elicitsForms: z
    .string()
    .optional()
    .transform((flag) => flag === '1'),
  /** completed: the CallToolResult, exactly as a waited call answers. */
  result: json,
  /** failed: the JSON-RPC error. */
  error: json,
  /** input_required: the MRTR input requests the client answers with tasks/update. */
  inputRequests: json,
});
export type StoredTask = z.infer<typeof StoredTask>;

/** The `Task` fields of the extension's wire shapes (CreateTaskResult, GetTaskResult). */
export function wireTask(task: StoredTask): Record<string, unknown> {
  return {
    taskId: task.taskId,
    status: task.status,
    ...(task.statusMessage ? { statusMessage: task.statusMessage } : {}),
    createdAt: new Date(task.createdAt).toISOString(),
    lastUpdatedAt: new Date(task.lastUpdatedAt).toISOString(),
    ttlMs: task.ttlMs,
    pollIntervalMs: task.pollIntervalMs,
  };
}

/** tasks/get's answer: the task with what its status carries inlined. */
export function detailedTask(task: StoredTask): Record<string, unknown> {
  const base = wireTask(task);
  if (task.status === 'completed') return { ...base, result: task.result ?? {} };
  if (task.status === 'failed')
    return { ...base, error: task.error ?? { code: -32603, message: 'failed' } };
  if (task.status === 'input_required') return { ...base, inputRequests: task.inputRequests ?? {} };
  return base;
}
