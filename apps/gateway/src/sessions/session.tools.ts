import {
  SessionEventsInput,
  SessionIdInput,
  SessionListInput,
  SessionSendInput,
  SessionStartInput,
} from '@app/contracts';
import { defineTool, type ToolDefinition } from '../mcp/toolset';
import type { ApprovalService } from './approval.service';
import type { SessionService } from './session.service';
import { describeSession, withoutTurn } from './session-view';

/** The session tools of DESIGN.md (names fixed), each a thin adapter onto SessionService. */
export function sessionTools(
  sessions: SessionService,
  approvals: Pick<ApprovalService, 'pending'>,
): ToolDefinition[] {
  return [
    defineTool({
      name: 'session_start',
      description:
        'Start a Claude Code session with a first prompt. With wait: true, streams the turn as progress notifications and returns its result.',
      input: SessionStartInput,
      handler: async (args, ctx) => withoutTurn(await sessions.start(args, ctx)),
    }),
    defineTool({
      name: 'session_send',
      description:
        'Send a follow-up message to a session. With wait: true, returns the turn’s result.',
      input: SessionSendInput,
      handler: (args, ctx) => sessions.send(args, ctx),
    }),
    defineTool({
      name: 'session_events',
      description:
        'Events of a session after a cursor (`after`, from a previous `next`), oldest first; waitMs long-polls for new ones.',
      input: SessionEventsInput,
      handler: async (args, ctx) => {
        const { events, next, status } = await sessions.events(args, ctx);
        return { events, next, status };
      },
    }),
    defineTool({
      name: 'session_status',
      description:
        'Status, turn count, token usage and cost of a session; while it is "waiting", the ' +
        'permission requests to answer with session_respond (`pending`).',
      input: SessionIdInput,
      handler: async (args, ctx) => {
        const record = await sessions.status(args.sessionId, ctx);
        if (record.status !== 'waiting') return describeSession(record);
        const pending = await approvals.pending(ctx.tenant, args.sessionId);
        return {
          ...describeSession(record),
          pending: pending.map(({ requestId, tool, input, deadline, questions }) => ({
            requestId,
            tool,
            input,
            deadline,
            ...(questions ? { questions } : {}),
          })),
        };
      },
    }),
    defineTool({
      name: 'session_list',
      description:
        'Your sessions, newest first, optionally by status; page with `cursor` = previous `next`.',
      input: SessionListInput,
      handler: async (args, ctx) => {
        const page = await sessions.list(args, ctx);
        return {
          sessions: page.sessions.map((r) => ({ sessionId: r.id, ...describeSession(r) })),
          next: page.next,
        };
      },
    }),
    defineTool({
      name: 'session_interrupt',
      description:
        'Stop the running turn of a session; the session stays and takes further messages.',
      input: SessionIdInput,
      handler: async (args, ctx) => ({ status: await sessions.interrupt(args.sessionId, ctx) }),
    }),
    defineTool({
      name: 'session_terminate',
      description: 'End a session for good: its process stops and it takes no more messages.',
      input: SessionIdInput,
      handler: async (args, ctx) => ({ status: await sessions.terminate(args.sessionId, ctx) }),
    }),
  ];
}
