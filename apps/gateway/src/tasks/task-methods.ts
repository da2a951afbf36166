import {
  ProtocolError,
  ProtocolErrorCode,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { declaresTasks, TASKS_EXTENSION, type CallRelay } from '../mcp';
import { detailedTask, OPEN_STATUSES, type StoredTask } from './task-record';
import { taskCancelScope } from './task-runner';
import type { TaskStore } from './task-store';

export interface TaskMethodDeps {
  store: Pick<TaskStore, 'get' | 'transition'>;
  cancellations: Pick<CallRelay, 'cancel'>;
  now?: () => number;
  /**
   * Answers a permission prompt of the task's session (session_respond's work). Absent: tasks/update
   * says how to answer instead. SEAM: wired once approvals (session_respond) land in the gateway.
   */
  /**
   * Takes over a task whose gateway stopped (its lease ended) and follows its turn on: false
   * when there is nothing to follow (no turn was queued yet), and the task fails.
   */
  adopt?: (task: StoredTask) => Promise<boolean>;
  /**
   * Answers one of the task's prompts with the client's elicitation response, as it came: what
   * it means depends on the prompt (a decision form, or AskUserQuestion's questions).
   */
  respond?: (task: StoredTask, requestId: string, response: unknown) => Promise<void>;
}

const TaskIdParams = z.looseObject({ taskId: z.string().max(200) });
/** The SDK lifts `inputResponses` out of the params (ctx.mcpReq.inputResponses, MRTR's place). */
const UpdateParams = TaskIdParams.extend({
  inputResponses: z.record(z.string(), z.unknown()).optional(),
});

/**
 * tasks/get, tasks/update and tasks/cancel of the 2026-07-28 tasks extension, on any replica:
 * everything they read or change is the task's Redis hash. A task is only its tenant's.
 */
export function installTaskMethods(server: Server, tenant: string, deps: TaskMethodDeps): void {
  const now = deps.now ?? Date.now;
  const found = async (ctx: ServerContext, taskId: string): Promise<StoredTask> => {
    if (!declaresTasks(ctx)) {
      throw new ProtocolError(
        ProtocolErrorCode.MissingRequiredClientCapability,
        `tasks need the ${TASKS_EXTENSION} extension: declare it in _meta clientCapabilities.extensions`,
        { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      );
    }
    const task = await deps.store.get(taskId, tenant);
    if (!task)
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        'Failed to retrieve task: Task not found',
      );
    return task;
  };

  server.setRequestHandler('tasks/get', { params: TaskIdParams }, async ({ taskId }, ctx) => {
    let task = await found(ctx, taskId);
    if (OPEN_STATUSES.includes(task.status) && task.leaseUntil < now()) {
      if (await deps.adopt?.(task)) return { resultType: 'complete', ...detailedTask(task) };
      // The gateway that ran it stopped before its turn was queued: say so, never run on forever.
      await deps.store.transition(taskId, 'failed', {
        statusMessage: 'the gateway running this task stopped before the turn ended',
        error: JSON.stringify({
          code: ProtocolErrorCode.InternalError,
          message:
            'the gateway running this task stopped before the turn ended; the turn itself may have finished: read session_status and session_events',
        }),
      });
      task = await found(ctx, taskId);
    }
    return { resultType: 'complete', ...detailedTask(task) };
  });

  server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async ({ taskId }, ctx) => {
    await found(ctx, taskId);
    const outcome = await deps.store.transition(taskId, 'cancelled', {
      statusMessage: 'cancelled by the client',
      inputRequests: null,
    });
    // The turn stops wherever it runs: the gateway running the task hears this and interrupts it.
    if (outcome.kind === 'ok')
      await deps.cancellations.cancel(taskCancelScope(taskId), taskId, 'tasks/cancel');
    return { resultType: 'complete' };
  });

  server.setRequestHandler('tasks/update', { params: UpdateParams }, async (params, ctx) => {
    const task = await found(ctx, params.taskId);
    const outstanding = (task.inputRequests ?? {}) as Record<string, unknown>;
    const responses = ctx.mcpReq.inputResponses ?? params.inputResponses ?? {};
    for (const [requestId, response] of Object.entries(responses)) {
      // Unknown or answered keys are ignored, as the extension allows: updates are idempotent.
      if (!(requestId in outstanding)) continue;
      if (!deps.respond) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `this gateway cannot take approvals through tasks/update yet: answer with session_respond { sessionId, requestId: "${requestId}", decision }`,
        );
      }
      await deps.respond(task, requestId, response);
    }
    return { resultType: 'complete' };
  });
}
