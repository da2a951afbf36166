import { Logger } from '@nestjs/common';
import { z } from 'zod';
import type { ElicitRequestFormParams, ServerContext } from '@modelcontextprotocol/server';
import { promptDetail, type PermissionRequestData, type SessionRespondArgs } from '@app/contracts';
import { ApprovalAlreadyAnswered, ApprovalNotPending } from '@app/sessions';

/** A pending prompt as a waited call sees it. */
export type ApprovalPrompt = Pick<
  PermissionRequestData,
  'requestId' | 'tool' | 'input' | 'deadline' | 'questions'
>;

/** Asks the client about one prompt of a session and answers it; resolves once that is done. */
export type ApprovalAsker = (
  sessionId: string,
  prompt: ApprovalPrompt,
  signal: AbortSignal,
) => Promise<void>;

/** How an answer reaches the approvals (ApprovalService.respond, bound to the caller's tenant). */
export type ApprovalAnswerer = (args: SessionRespondArgs) => Promise<unknown>;

const log = new Logger('ApprovalElicitation');

/**
 * A waited 2025-era call's way to put a prompt in front of its client: `elicitation/create` on
 * the call's own response stream (`ctx.mcpReq.send`), bounded by the prompt's deadline. Whoever
 * answers first wins (ApprovalService): a later elicitation answer is dropped without a word.
 */
export function elicitingAsker(
  ctx: Pick<ServerContext, 'mcpReq'>,
  answer: ApprovalAnswerer,
): ApprovalAsker {
  return async (sessionId, prompt, signal) => {
    const timeout = prompt.deadline - Date.now();
    if (timeout <= 0) return;
    try {
      const result = await ctx.mcpReq.send(
        { method: 'elicitation/create', params: approvalForm(prompt) },
        { signal, timeout },
      );
      await answer({ sessionId, requestId: prompt.requestId, ...decisionOf(result, prompt) });
    } catch (error) {
      if (signal.aborted) return; // answered elsewhere, or the wait ended: nothing to say
      if (error instanceof ApprovalAlreadyAnswered || error instanceof ApprovalNotPending) return;
      // The deadline still answers the prompt, and session_respond still can.
      log.warn(`approval ${prompt.requestId} not answered by elicitation: ${String(error)}`);
    }
  };
}

/** The form a prompt asks with: the decision (and a note), or AskUserQuestion's questions. */
export function approvalForm(prompt: ApprovalPrompt): ElicitRequestFormParams {
  if (prompt.questions) {
    const properties: Record<string, Record<string, unknown>> = {};
    prompt.questions.forEach((q, i) => {
      const options = q.options?.map((o) => ({ const: o.label, title: o.label })) ?? [];
      properties[`q${i}`] = {
        type: 'string',
        title: q.question,
        ...(options.length ? { oneOf: options } : {}),
      };
    });
    return {
      mode: 'form',
      message: 'Claude asks you a question',
      requestedSchema: { type: 'object', properties, required: Object.keys(properties) },
    } as ElicitRequestFormParams;
  }
  return {
    mode: 'form',
    message: `Claude wants to run ${prompt.tool}${promptDetail(prompt.input)}`,
    requestedSchema: {
      type: 'object',
      properties: {
        decision: {
          type: 'string',
          oneOf: [
            { const: 'allow', title: 'Allow once' },
            { const: 'allow_session', title: 'Allow for this session' },
            { const: 'deny', title: 'Deny' },
          ],
        },
        message: { type: 'string', title: 'Note for Claude' },
      },
      required: ['decision'],
    },
  } as ElicitRequestFormParams;
}

const ElicitAnswer = z.looseObject({
  action: z.enum(['accept', 'decline', 'cancel']),
  content: z.record(z.string(), z.unknown()).optional(),
});
const DecisionContent = z.looseObject({
  decision: z.enum(['allow', 'allow_session', 'deny']),
  message: z.string().optional(),
});

type Decision = Pick<SessionRespondArgs, 'decision' | 'message' | 'answers'>;

/** The client's elicitation result as an answer: accept → its choice; anything else → deny. */
export function decisionOf(result: unknown, prompt: ApprovalPrompt): Decision {
  const parsed = ElicitAnswer.safeParse(result);
  const refused: Decision = { decision: 'deny', message: 'The user declined this request.' };
  if (!parsed.success || parsed.data.action !== 'accept') return refused;
  const content = parsed.data.content ?? {};
  if (prompt.questions) {
    const answers: Record<string, string> = {};
    prompt.questions.forEach((q, i) => {
      const value = content[`q${i}`];
      if (typeof value === 'string') answers[q.question] = value;
    });
    return { decision: 'allow', answers };
  }
  const decision = DecisionContent.safeParse(content);
  if (!decision.success) return { ...refused, message: 'The answer named no decision.' };
  const { message } = decision.data;
  return { decision: decision.data.decision, ...(message ? { message } : {}) };
}
