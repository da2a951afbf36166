import { Logger } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/server';
import {
  answerOf,
  failureMessage,
  toolError,
  type CallEnvironment,
  type CallRelay,
  type ToolDefinition,
} from '../mcp';
import type { StoredTask } from './task-record';
import { TaskProgress } from './task-progress';
import type { TaskStore } from './task-store';

export interface TaskRunnerDeps {
  store: Pick<TaskStore, 'transition'>;
  cancellations: Pick<CallRelay, 'track'>;
  /** The client can answer input requests (else a prompt's message names session_respond). */
  elicitsForms: boolean;
  /** How long a task's lease lasts; the runner renews it at a third of that. */
  leaseMs: number;
  now?: () => number;
}

/** The cancellation scope of a task: its own hash tag, like an MCP session's. */
export function taskCancelScope(taskId: string): string {
  return `task-${taskId}`;
}

const log = new Logger('TaskRunner');

/**
 * Runs a task's call on this gateway, the way a waited call runs (`args` already ask to wait),
 * and records its outcome: completed with the very result a waited call answers (a tool error
 * included, as the extension says). tasks/cancel on any replica reaches it through the
 * cancellation relay; its abort interrupts the turn wherever it runs (the waited call's own
 * cancellation path). While it runs, its lease says a gateway still follows it.
 */
export async function runTask(
  task: StoredTask,
  tool: ToolDefinition,
  args: Record<string, unknown>,
  env: CallEnvironment,
  deps: TaskRunnerDeps,
): Promise<void> {
  const now = deps.now ?? Date.now;
  const tracked = await deps.cancellations.track(taskCancelScope(task.taskId), task.taskId);
  const renew = setInterval(() => {
    deps.store
      .transition(
        task.taskId,
        undefined,
        { leaseUntil: String(now() + deps.leaseMs) },
        { touch: false },
      )
      .catch((error: unknown) =>
        log.warn(`task ${task.taskId}: lease not renewed: ${String(error)}`),
      );
  }, deps.leaseMs / 3);
  const progress = new TaskProgress(deps.store, task.taskId, {
    askable: deps.elicitsForms,
    sessionId: task.sessionId,
  });
  let result: CallToolResult;
  try {
    const structured = await tool.handler(args, {
      tenant: env.tenant,
      protocolVersion: env.protocolVersion,
      signal: tracked.signal,
      progress: async (message) => progress.observe(message),
      approvals: 'follow',
      onSession: (sessionId) => progress.session(sessionId),
    });
    result = answerOf(tool, args, structured);
  } catch (error) {
    result = toolError(failureMessage(tool.name, error, tracked.signal.aborted));
  } finally {
    clearInterval(renew);
    tracked.release();
  }
  await progress.settled();
  // Refused when the task was cancelled meanwhile: a cancel is final.
  await deps.store.transition(task.taskId, 'completed', {
    result: JSON.stringify(result),
    statusMessage: result.isError ? 'ended with an error' : 'done',
    inputRequests: null,
  });
}
