import { SessionRespondInput } from '@app/contracts';
import { defineTool, type ToolDefinition } from '../mcp/toolset';
import type { ApprovalService } from './approval.service';
import { answerRespond } from './session-answers';
import { SessionRespondOutput } from './session.outputs';

/** session_respond (DESIGN.md, name fixed): answers a permission prompt of an "ask" session. */
export function approvalTools(approvals: ApprovalService): ToolDefinition[] {
  return [
    defineTool({
      name: 'session_respond',
      title: 'Answer a permission request',
      description:
        'Answer a pending permission request of a session started with permissions "ask" ' +
        '(a permission_request event, or the `pending` of a waited call that returned status ' +
        '"waiting"). The first answer counts; the same turn then goes on (follow it with ' +
        'session_events; no session_send needed).',
      // Not idempotent: a second answer to the same request is refused as already answered.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      input: SessionRespondInput,
      output: SessionRespondOutput,
      handler: (args, ctx) => approvals.respond(args, ctx.tenant),
      answer: (result, args) => answerRespond(result, args.sessionId),
    }),
  ];
}
