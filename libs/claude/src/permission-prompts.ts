import { z } from 'zod';
import type { ClaudeMessage } from './messages';

/*
 * Permission prompts over stdio (`--permission-prompts host --permission-prompt-tool stdio`,
 * checked with 2.1.332): a tool call that needs approval makes the CLI print a `control_request`
 * of subtype `can_use_tool` and wait for a `control_response` with the same request_id on its
 * stdin. An interrupt meanwhile makes it print `control_cancel_request` for the prompt instead.
 */

export const CanUseToolRequestSchema = z.looseObject({
  type: z.literal('control_request'),
  request_id: z.string().min(1),
  request: z.looseObject({
    subtype: z.literal('can_use_tool'),
    tool_name: z.string(),
    input: z.record(z.string(), z.unknown()),
    permission_suggestions: z.array(z.unknown()).optional(),
    tool_use_id: z.string().optional(),
    description: z.string().optional(),
    blocked_path: z.string().optional(),
  }),
});
export type CanUseToolRequest = z.infer<typeof CanUseToolRequestSchema>;

export const ControlCancelRequestSchema = z.looseObject({
  type: z.literal('control_cancel_request'),
  request_id: z.string(),
});
export type ControlCancelRequest = z.infer<typeof ControlCancelRequestSchema>;

/**
 * What the CLI is told. `allow` runs the tool with `updatedInput` (the input as asked, or with
 * AskUserQuestion's `answers` added); `deny` refuses it, and `message` reaches Claude as the
 * tool's error.
 */
export type PermissionAnswer =
  | { behavior: 'allow'; updatedInput: Record<string, unknown> }
  | { behavior: 'deny'; message: string };

/** The line as a `can_use_tool` prompt, or undefined for any other line. */
export function asCanUseToolRequest(message: ClaudeMessage): CanUseToolRequest | undefined {
  if (message.type !== 'control_request') return undefined;
  const parsed = CanUseToolRequestSchema.safeParse(message);
  return parsed.success ? parsed.data : undefined;
}

/** The line as the CLI withdrawing a prompt (an interrupt), or undefined. */
export function asControlCancelRequest(message: ClaudeMessage): ControlCancelRequest | undefined {
  if (message.type !== 'control_cancel_request') return undefined;
  const parsed = ControlCancelRequestSchema.safeParse(message);
  return parsed.success ? parsed.data : undefined;
}

/** The stdin line that answers prompt `requestId`. */
export function permissionResponseLine(requestId: string, answer: PermissionAnswer): object {
  return {
    type: 'control_response',
    response: { subtype: 'success', request_id: requestId, response: answer },
  };
}
