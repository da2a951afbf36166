import { Logger } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/server';
import {
  answerOf,
  failureMessage,
  toolError,
  type CallEnvironment,
  type CallRelay,
  type ToolDefinition,
  type TurnPause,
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
  /** This gateway is stopping: hand the task on (its lease given up) instead of following on. */
  until: AbortSignal;
  /** Follow a turn already queued (a task taken over from a gateway that stopped). */
  resume?: TurnPause;
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
 * included, as the extension says). tasks/cancel on any replica reaches it through the call
 * relay; its abort interrupts the turn wherever it runs (the waited call's own cancellation
 * path). While it runs, its lease says a gateway still follows it; a wait that hits its time
 * limit follows on from its cursor; a stopping gateway gives the lease up, and the next
 * tasks/get on any replica takes the task over (TaskService.adopt) from the recorded turn.
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
  let at = deps.resume;
  let result: CallToolResult | undefined;
  try {
    for (;;) {
      const structured = await tool.handler(args, {
        tenant: env.tenant,
        protocolVersion: env.protocolVersion,
        signal: tracked.signal,
        progress: async (message) => progress.observe(message),
        approvals: 'follow',
        until: deps.until,
        ...(at ? { resume: at } : {}),
        onTurn: (queued) => {
          at = queued;
          progress.turn(queued);
        },
      });
      const cursor = typeof structured.events === 'string' ? structured.events : undefined;
      if (structured.status !== 'running' || !at || !cursor) {
        result = answerOf(tool, args, structured);
        break;
      }
      // The wait ended before the turn did: follow on from its cursor, here or elsewhere.
      at = { ...at, events: cursor };
      if (deps.until.aborted) break;
    }
  } catch (error) {
    result = toolError(failureMessage(tool.name, error, tracked.signal.aborted));
  } finally {
    clearInterval(renew);
    tracked.release();
  }
  await progress.settled();
  if (!result) {
    // Handed on: the lease ends now, so the next tasks/get anywhere follows the turn from here.
    await deps.store.transition(
      task.taskId,
      undefined,
      { leaseUntil: '0', cursor: at?.events ?? null },
      { touch: false },
    );
    return;
  }
  // Refused when the task was cancelled meanwhile: a cancel is final.
  await deps.store.transition(task.taskId, 'completed', {
    result: JSON.stringify(result),
    statusMessage: result.isError ? 'ended with an error' : 'done',
    inputRequests: null,
  });
}
