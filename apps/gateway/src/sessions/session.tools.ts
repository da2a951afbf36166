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
import {
  answerEvents,
  answerInterrupt,
  answerList,
  answerStatus,
  answerTerminate,
} from './session-answers';
import {
  SessionEventsOutput,
  SessionInterruptOutput,
  SessionListOutput,
  SessionSendOutput,
  SessionStartOutput,
  SessionStatusOutput,
  SessionTerminateOutput,
} from './session.outputs';
import { describeSession, withoutTurn } from './session-view';
import { answerTurn } from './turn-answer';

/**
 * How to follow a turn, the same words for both turn tools: a model picks between the three
 * ways by reading this.
 */
const FOLLOWING_A_TURN =
  'How to get the answer: with wait: true the call holds the HTTP request until the turn ends ' +
  '(use it for short turns) and returns Claude’s answer text first, the CLI result in ' +
  'structuredContent; a failed turn is a tool error saying what to do. If the request carries ' +
  '_meta.progressToken, every event of the turn is also sent as notifications/progress (one ' +
  'event as JSON text in params.message). Clients that declare the io.modelcontextprotocol/tasks ' +
  'extension get a task instead (poll tasks/get; same result). For long turns, or to resume ' +
  'after a disconnect, call without wait and follow session_events cursors.';

/** The session tools of DESIGN.md (names fixed), each a thin adapter onto SessionService. */
export function sessionTools(
  sessions: SessionService,
  approvals: Pick<ApprovalService, 'pending'>,
): ToolDefinition[] {
  return [
    defineTool({
      name: 'session_start',
      title: 'Start a Claude Code session',
      description:
        'Start a Claude Code session with a first prompt, optionally on a seeded workspace or ' +
        `forked from a checkpoint. ${FOLLOWING_A_TURN}`,
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      input: SessionStartInput,
      output: SessionStartOutput,
      handler: async (args, ctx) => withoutTurn(await sessions.start(args, ctx)),
      answer: (result) => answerTurn(result, result.sessionId, 1),
    }),
    defineTool({
      name: 'session_send',
      title: 'Send a message to a session',
      description: `Send a follow-up message to a session (a new turn). ${FOLLOWING_A_TURN}`,
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      input: SessionSendInput,
      output: SessionSendOutput,
      handler: (args, ctx) => sessions.send(args, ctx),
      answer: (result, args) => answerTurn(result, args.sessionId, result.turn),
    }),
    defineTool({
      name: 'session_events',
      title: 'Read session events',
      description:
        'Events of a session after a cursor, oldest first: the way to follow long turns and to ' +
        'resume after a disconnect, from any replica. Start without `after`, then pass each ' +
        'answer’s `next` as `after`; waitMs long-polls for new events. A turn ends with a ' +
        'status event (idle or failed); its answer is the `result` line of a claude event.',
      annotations: { readOnlyHint: true, openWorldHint: false },
      input: SessionEventsInput,
      output: SessionEventsOutput,
      handler: async (args, ctx) => {
        const { events, next, status } = await sessions.events(args, ctx);
        return { events, next, status };
      },
      answer: (result, args) => answerEvents(result, args.sessionId),
    }),
    defineTool({
      name: 'session_status',
      title: 'Session status',
      description:
        'Status, turn count, token usage and cost of a session; while it is "waiting", the ' +
        'permission requests to answer with session_respond (`pending`).',
      annotations: { readOnlyHint: true, openWorldHint: false },
      input: SessionIdInput,
      output: SessionStatusOutput,
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
      answer: (result, args) => answerStatus(result, args.sessionId),
    }),
    defineTool({
      name: 'session_list',
      title: 'List sessions',
      description:
        'Your sessions, newest first, optionally by status; page with `cursor` = previous `next`.',
      annotations: { readOnlyHint: true, openWorldHint: false },
      input: SessionListInput,
      output: SessionListOutput,
      handler: async (args, ctx) => {
        const page = await sessions.list(args, ctx);
        return {
          sessions: page.sessions.map((r) => ({ sessionId: r.id, ...describeSession(r) })),
          ...(page.next ? { next: page.next } : {}),
        };
      },
      answer: (result) => answerList(result),
    }),
    defineTool({
      name: 'session_interrupt',
      title: 'Interrupt the running turn',
      description:
        'Stop the running turn of a session; turns queued behind it (or a queued one) are ' +
        'dropped. The session stays and takes further messages. Answers what it did: ' +
        'interrupted (listing dropped turns), dropped, or nothing running. ' +
        'Safe to repeat.',
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
      input: SessionIdInput,
      output: SessionInterruptOutput,
      handler: (args, ctx) => sessions.interrupt(args.sessionId, ctx),
      answer: (result, args) => answerInterrupt(result, args.sessionId),
    }),
    defineTool({
      name: 'session_terminate',
      title: 'Terminate a session',
      description:
        'End a session for good: its process stops and it takes no more messages (its ' +
        'checkpoints stay and can be forked).',
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
      input: SessionIdInput,
      output: SessionTerminateOutput,
      handler: async (args, ctx) => ({ status: await sessions.terminate(args.sessionId, ctx) }),
      answer: (_result, args) => answerTerminate(args.sessionId),
    }),
  ];
}
