import { z } from 'zod';
import { promptDetail } from '@app/contracts';
import { approvalForm } from '../mcp';

/** What one of a turn's events changes about its task. */
export type TurnProgress =
  | { kind: 'message'; statusMessage: string }
  | {
      kind: 'input_required';
      statusMessage: string;
      requestId: string;
      inputRequests: Record<string, unknown>;
    }
  | { kind: 'resumed'; statusMessage: string };

const MAX_MESSAGE_CHARS = 120;

/** The event fields this reads; everything else of the event is left alone. */
const Event = z.looseObject({ kind: z.string(), data: z.unknown() });
const ToolUse = z.looseObject({
  type: z.literal('tool_use'),
  name: z.string(),
  input: z.record(z.string(), z.unknown()).optional(),
});
const Assistant = z.looseObject({
  type: z.literal('assistant'),
  message: z.looseObject({ content: z.array(z.unknown()) }),
});
const PermissionRequest = z.looseObject({
  requestId: z.string(),
  tool: z.string(),
  input: z.record(z.string(), z.unknown()).optional(),
});
const StatusData = z.looseObject({ status: z.string() });

/**
 * What the turn is doing now, from one of its events (as relayed to waited calls, JSON text):
 * "running Bash: npm test", "writing", "queued"; a permission prompt makes the task
 * input_required with an elicitation asking for the decision, its answer makes it working again.
 */
export function turnProgressOf(eventJson: string): TurnProgress | undefined {
  let parsed: z.infer<typeof Event>;
  try {
    const event = Event.safeParse(JSON.parse(eventJson));
    if (!event.success) return undefined;
    parsed = event.data;
  } catch {
    return undefined;
  }
  const { kind, data } = parsed;
  if (kind === 'claude') return claudeProgress(data);
  if (kind === 'status') {
    const status = StatusData.safeParse(data);
    return status.success ? message(`turn ${status.data.status}`) : undefined;
  }
  if (kind === 'permission_request') {
    const request = PermissionRequest.safeParse(data);
    return request.success ? approvalRequest(request.data) : undefined;
  }
  if (kind === 'permission_resolved')
    return { kind: 'resumed', statusMessage: 'approval answered' };
  return undefined;
}

function claudeProgress(data: unknown): TurnProgress | undefined {
  const assistant = Assistant.safeParse(data);
  if (!assistant.success) return undefined;
  const blocks = assistant.data.message.content;
  for (let i = blocks.length - 1; i >= 0; i--) {
    const use = ToolUse.safeParse(blocks[i]);
    if (use.success) return message(`running ${use.data.name}${promptDetail(use.data.input)}`);
  }
  return message('writing');
}

function approvalRequest(request: z.infer<typeof PermissionRequest>): TurnProgress {
  const statusMessage = clip(`waiting for approval: ${request.tool}${promptDetail(request.input)}`);
  // The same form a waited call's elicitation asks with (tasks/update answers its `decision`).
  const params = approvalForm({ ...request, input: request.input ?? {}, deadline: 0 });
  return {
    kind: 'input_required',
    statusMessage,
    requestId: request.requestId,
    inputRequests: { [request.requestId]: { method: 'elicitation/create', params } },
  };
}

function message(text: string): TurnProgress {
  return { kind: 'message', statusMessage: clip(text) };
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= MAX_MESSAGE_CHARS ? line : `${line.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}
