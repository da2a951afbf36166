import { SessionRespondInput } from '@app/contracts';
import { defineTool, type ToolDefinition } from '../mcp/toolset';
import type { ApprovalService } from './approval.service';

/** session_respond (DESIGN.md, name fixed): answers a permission prompt of an "ask" session. */
export function approvalTools(approvals: ApprovalService): ToolDefinition[] {
  return [
    defineTool({
      name: 'session_respond',
      description:
        'Answer a pending permission request of a session started with permissions "ask" ' +
        '(a permission_request event, or the `pending` of a waited call that returned status ' +
        '"waiting"). The first answer counts; the same turn then goes on (follow it with ' +
        'session_events; no session_send needed).',
      input: SessionRespondInput,
      handler: (args, ctx) => approvals.respond(args, ctx.tenant),
    }),
  ];
}
