import type { PermissionAnswer } from '@app/claude';
import {
  ApprovalQuestionSchema,
  QUESTION_TOOL,
  type ApprovalAnswer,
  type ApprovalQuestion,
} from '@app/contracts';
import { z } from 'zod';

/** Longest string value of a tool's input shown to the client; the CLI still gets it whole. */
const MAX_SHOWN_CHARS = 4_000;

/**
 * The input as the client is shown it (event and Redis): long strings cut, so one prompt about
 * a huge Write cannot make the stream or the approval record huge.
 */
export function summarizeInput(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length <= MAX_SHOWN_CHARS
      ? value
      : `${value.slice(0, MAX_SHOWN_CHARS)}… (${value.length - MAX_SHOWN_CHARS} more characters)`;
  }
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 200).map((v) => summarizeInput(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      summarizeInput(v, depth + 1),
    ]),
  );
}

/** AskUserQuestion's questions, so the client can answer them with `answers`. */
export function questionsOf(
  tool: string,
  input: Record<string, unknown>,
): ApprovalQuestion[] | undefined {
  if (tool !== QUESTION_TOOL) return undefined;
  const parsed = z.array(ApprovalQuestionSchema).safeParse(input.questions);
  return parsed.success ? parsed.data : undefined;
}

/** What Claude is told when nobody answered in time. */
export const DEADLINE_MESSAGE =
  'The user did not answer this permission request in time, so it was denied. Do not retry ' +
  'it unless asked; go on without it or explain what you needed.';

/**
 * The stored answer as the CLI's control_response: allow runs the call with the input exactly
 * as asked (plus AskUserQuestion's answers); deny carries the client's message to Claude.
 */
export function cliAnswer(
  answer: ApprovalAnswer,
  input: Record<string, unknown>,
): PermissionAnswer {
  if (answer.decision === 'deny') {
    return {
      behavior: 'deny',
      message:
        answer.message ??
        (answer.by === 'deadline' ? DEADLINE_MESSAGE : 'The user denied this tool call.'),
    };
  }
  const updatedInput = answer.answers ? { ...input, answers: answer.answers } : input;
  return { behavior: 'allow', updatedInput };
}
