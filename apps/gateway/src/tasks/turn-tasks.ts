import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { SessionRespondInput } from '@app/contracts';
import { ApprovalAlreadyAnswered, ApprovalNotPending } from '@app/sessions';
import type { RedisClient } from '@app/redis';
import { CancellationRelay, MCP_REDIS, type ProviderRecipe, type TaskSupport } from '../mcp';
import { describeIssues } from '../mcp/argument-issues';
import { ApprovalService } from '../sessions/approval.service';
import type { TaskMethodDeps } from './task-methods';
import { TASK_DEFAULTS, TaskService, TURN_TASK_TOOLS } from './task-service';
import { TaskStore } from './task-store';

/**
 * The gateway's tasks: session_start and session_send as tasks, whose permission prompts
 * (sessions with permissions "ask") are answered through tasks/update like session_respond.
 */
export function turnTaskSupport(): ProviderRecipe<TaskSupport> {
  return {
    inject: [MCP_REDIS, CancellationRelay, ApprovalService],
    useFactory: (redis: RedisClient, relay: CancellationRelay, approvals: ApprovalService) =>
      new TaskService(new TaskStore(redis), relay, {
        tools: TURN_TASK_TOOLS,
        ...TASK_DEFAULTS,
        respond: answerWith(approvals),
      }),
  };
}

function answerWith(approvals: Pick<ApprovalService, 'respond'>): TaskMethodDeps['respond'] {
  return async (task, requestId, answer) => {
    if (!task.sessionId) {
      // session_start's task learns its session id only with the result.
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `this task does not know its session yet: answer with session_respond { sessionId, requestId: "${requestId}", decision } (session_list names the newest session)`,
      );
    }
    const args = SessionRespondInput.safeParse({ sessionId: task.sessionId, requestId, ...answer });
    if (!args.success) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Invalid input response ${requestId}: ${describeIssues(args.error)}`,
      );
    }
    try {
      await approvals.respond(args.data, task.tenant);
    } catch (error) {
      // An update is idempotent: a prompt answered already (or over) needs nothing more.
      if (error instanceof ApprovalAlreadyAnswered || error instanceof ApprovalNotPending) return;
      throw error;
    }
  };
}
