import type { z } from 'zod';
import { promptDetail } from '@app/contracts';
import { counted, type ToolAnswer } from '../mcp/toolset';
import type {
  SessionEventsOutput,
  SessionListOutput,
  SessionRespondOutput,
  SessionStatusOutput,
  SessionViewSchema,
} from './session.outputs';
import type { Interrupted } from './session.service';

/*
 * The first text of the session tools' answers (other than the turn tools, turn-answer.ts): one
 * sentence on what happened, then the figures a model needs, never the JSON it could not read.
 */

type View = z.infer<typeof SessionViewSchema>;

export function answerStatus(
  r: z.infer<typeof SessionStatusOutput>,
  sessionId: string,
): ToolAnswer {
  const lines = [`Session ${sessionId} is ${r.status}: ${figures(r)}.`];
  if (r.lastError && r.status === 'failed') lines.push(`Its last turn failed: ${r.lastError}`);
  for (const p of r.pending ?? []) {
    lines.push(
      `Pending: Claude asks to run ${p.tool}${promptDetail(p.input)}. Answer with session_respond ` +
        `{ sessionId: "${sessionId}", requestId: "${p.requestId}", decision } before ` +
        `${new Date(p.deadline).toISOString()} (then it is denied).`,
    );
  }
  return { text: lines.join('\n') };
}

export function answerList(r: z.infer<typeof SessionListOutput>): ToolAnswer {
  if (r.sessions.length === 0) return { text: 'No sessions.' };
  const lines = r.sessions.map((s) => `${s.sessionId}: ${s.status}, ${figures(s)}`);
  const more = r.next ? `\nMore: session_list { cursor: "${r.next}" }.` : '';
  return {
    text: `${counted(r.sessions.length, 'session')}, newest first:\n${lines.join('\n')}${more}`,
  };
}

/** The events themselves are the answer: one JSON line each, after a line that says where to go on. */
export function answerEvents(
  r: z.infer<typeof SessionEventsOutput>,
  sessionId: string,
): ToolAnswer {
  const head =
    r.events.length === 0
      ? `No new events for session ${sessionId} (status ${r.status}).`
      : `${counted(r.events.length, 'event')} of session ${sessionId} (status ${r.status}).`;
  const lines = r.events.map((e) => JSON.stringify(e));
  return {
    text: [head, ...lines, `Read on with session_events { after: "${r.next}" }.`].join('\n'),
  };
}

export function answerInterrupt(r: Interrupted, sessionId: string): ToolAnswer {
  const after =
    r.status === 'idle'
      ? 'the session is idle and takes the next message.'
      : `the session is ${r.status}.`;
  switch (r.outcome) {
    case 'interrupted':
      return {
        text:
          r.status === 'running' || r.status === 'waiting'
            ? `Asked turn ${r.turn} of session ${sessionId} to stop; it has not ended yet ` +
              '(session_status says when it has).'
            : `Interrupted turn ${r.turn} of session ${sessionId}` +
              (r.dropped?.length
                ? ` and dropped the ${counted(r.dropped.length, 'turn')} queued behind it (${r.dropped.join(', ')})`
                : '') +
              `; ${after}`,
      };
    case 'dropped':
      return {
        text: `Turn ${r.turn} of session ${sessionId} was still queued: it was dropped before it ran; ${after}`,
      };
    case 'nothing_running':
      return {
        text: `No turn of session ${sessionId} was running or queued; nothing to interrupt (${after.replace(/\.$/, '')}).`,
      };
  }
}

export function answerTerminate(sessionId: string): ToolAnswer {
  return {
    text:
      `Session ${sessionId} is terminated: its process stops and it takes no more messages. ` +
      'Its checkpoints stay: session_start { checkpointId } forks one.',
  };
}

export function answerRespond(
  r: z.infer<typeof SessionRespondOutput>,
  sessionId: string,
): ToolAnswer {
  return {
    text:
      `Answered ${r.requestId} with ${r.decision}; session ${sessionId} is ${r.status}. The turn ` +
      'goes on by itself: follow it with session_events.',
  };
}

function figures(v: View): string {
  const tokens = v.usage.input_tokens + v.usage.output_tokens;
  return (
    `${counted(v.turns, 'turn')}, ${counted(tokens, 'token')}, $${v.costUsd.toFixed(4)}, last checkpoint ` +
    `${v.lastCheckpointId ?? 'none yet'}, updated ${v.updatedAt}`
  );
}
