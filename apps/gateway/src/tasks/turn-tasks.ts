import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { SessionRespondInput } from '@app/contracts';
import { ApprovalAlreadyAnswered, ApprovalNotPending } from '@app/sessions';
import type { RedisClient } from '@app/redis';
import {
  CallRelay,
  MCP_REDIS,
  MCP_TOOLSET,
  type ProviderRecipe,
  type TaskSupport,
  type ToolDefinition,
} from '../mcp';
import { decisionOf } from '../mcp/approval-elicitation';
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
    inject: [MCP_REDIS, CallRelay, ApprovalService, MCP_TOOLSET],
    useFactory: (
      redis: RedisClient,
      relay: CallRelay,
      approvals: ApprovalService,
      toolset: ToolDefinition[],
    ) =>
      new TaskService(new TaskStore(redis), relay, {
        tools: TURN_TASK_TOOLS,
        ...TASK_DEFAULTS,
        respond: answerWith(approvals),
        toolset,
      }),
  };
}

/**
 * tasks/update's answer to a prompt, read as the prompt asked it (decisionOf, as the waited
 * calls' elicitations): a decision form's `decision`, or AskUserQuestion's answers `q0`, `q1`...
 */
function answerWith(
  approvals: Pick<ApprovalService, 'respond' | 'pending'>,
): TaskMethodDeps['respond'] {
  return async (task, requestId, response) => {
    if (!task.sessionId) {
      // session_start's task records its session as soon as it exists, before any prompt.
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `this task has no session yet, so request ${requestId} is not one of its prompts: poll tasks/get until it is input_required`,
      );
    }
    const prompt = (await approvals.pending(task.tenant, task.sessionId)).find(
      (p) => p.requestId === requestId,
    );
    // Answered or over already: an update is idempotent.
    if (!prompt) return;
    const answer = decisionOf(response, prompt);
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
