import {
  SessionEventsInput,
  SessionIdInput,
  SessionListInput,
  SessionSendInput,
  SessionStartInput,
} from '@app/contracts';
import { defineTool, type ToolDefinition } from '../mcp/toolset';
import type { SessionService } from './session.service';

/** The session tools of DESIGN.md (names fixed), each a thin adapter onto SessionService. */
export function sessionTools(sessions: SessionService): ToolDefinition[] {
  return [
    defineTool({
      name: 'session_start',
      description:
        'Start a Claude Code session with a first prompt. With wait: true, streams the turn as progress notifications and returns its result.',
      input: SessionStartInput,
      handler: (args, ctx) => sessions.start(args, ctx),
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
      handler: (args, ctx) => sessions.events(args, ctx),
    }),
    defineTool({
      name: 'session_status',
      description: 'Status, turn count, token usage and cost of a session.',
      input: SessionIdInput,
      handler: (args, ctx) => sessions.status(args.sessionId, ctx),
    }),
    defineTool({
      name: 'session_list',
      description:
        'Your sessions, newest first, optionally by status; page with `cursor` = previous `next`.',
      input: SessionListInput,
      handler: (args, ctx) => sessions.list(args, ctx),
    }),
    defineTool({
      name: 'session_interrupt',
      description:
        'Stop the running turn of a session; the session stays and takes further messages.',
      input: SessionIdInput,
      handler: (args, ctx) => sessions.interrupt(args.sessionId, ctx),
    }),
    defineTool({
      name: 'session_terminate',
      description: 'End a session for good: its process stops and it takes no more messages.',
      input: SessionIdInput,
      handler: (args, ctx) => sessions.terminate(args.sessionId, ctx),
    }),
  ];
}
