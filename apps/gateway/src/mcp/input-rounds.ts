import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type {
  CallToolResult,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server';
import { PermissionRequestDataSchema } from '@app/contracts';
import type { RedisClient } from '@app/redis';
import {
  approvalForm,
  decisionOf,
  type ApprovalAnswerer,
  type ApprovalPrompt,
} from './approval-elicitation';
import { ApprovalAlreadyAnswered, ApprovalNotPending } from '@app/sessions';
import { elicitsForms } from './client-capabilities';
import { toolError } from './tool-error';
import type { TurnPause } from './toolset';

/** Where a paused call goes on, kept in Redis under an unguessable, single-use requestState. */
const Continuation = z.object({
  tenant: z.string(),
  tool: z.string(),
  sessionId: z.string(),
  turn: z.number().int(),
  events: z.string(),
  requestId: z.string(),
  prompt: PermissionRequestDataSchema.pick({
    requestId: true,
    tool: true,
    input: true,
    deadline: true,
    questions: true,
  }),
});
type Continuation = z.infer<typeof Continuation>;

/** How long a continuation outlives its prompt's deadline: a late retry still follows the turn. */
const GRACE_MS = 10 * 60_000;

const keyOf = (token: string) => `mcp:input-round:${token}`;

/**
 * A waited call of a 2026-07-28 client that can elicit (multi-round-trip requests): a turn's
 * prompt ends the call with an input_required result asking for the decision; the client's
 * retry (same call, `inputResponses`, the echoed `requestState`) answers the prompt and goes on
 * waiting for the same turn. The state lives in Redis, so any replica takes the retry; the token
 * is random and taken once, so it can be neither forged nor replayed.
 */
export class InputRounds {
  constructor(
    private readonly redis: RedisClient,
    private readonly answer: (tenant: string) => ApprovalAnswerer,
  ) {}

  /** Whether the request's client can answer an elicitation in an input-required round. */
  accepts(ctx: Pick<ServerContext, 'mcpReq'>): boolean {
    return elicitsForms(ctx);
  }

  /** The input_required result for a call paused at `prompt`. */
  async pause(
    tool: string,
    tenant: string,
    at: TurnPause,
    prompt: ApprovalPrompt,
  ): Promise<InputRequiredResult> {
    const token = randomBytes(24).toString('base64url');
    const state: Continuation = { tenant, tool, ...at, requestId: prompt.requestId, prompt };
    const ttlMs = Math.max(prompt.deadline - Date.now(), 0) + GRACE_MS;
    await this.redis.set(keyOf(token), JSON.stringify(state), 'PX', ttlMs);
    return {
      resultType: 'input_required',
      inputRequests: {
        [prompt.requestId]: { method: 'elicitation/create', params: approvalForm(prompt) },
      },
      requestState: token,
    } as InputRequiredResult;
  }

  /**
   * A retried call: answers the prompt with the client's response and says where to go on; a
   * call without requestState is a first call (undefined); an unknown or spent one is an error.
   */
  async resume(
    ctx: Pick<ServerContext, 'mcpReq'>,
    tool: string,
    tenant: string,
  ): Promise<{ resume?: TurnPause; error?: CallToolResult }> {
    const token = ctx.mcpReq.requestState<unknown>();
    if (typeof token !== 'string') return {};
    const raw = await this.redis.getdel(keyOf(token));
    const parsed = raw ? Continuation.safeParse(JSON.parse(raw)) : undefined;
    if (!parsed?.success || parsed.data.tenant !== tenant || parsed.data.tool !== tool) {
      return {
        error: toolError(
          'This requestState is unknown or was used already: the prompt it asked about was ' +
            'answered. Follow the turn with session_events or session_status.',
        ),
      };
    }
    const { sessionId, turn, events, requestId, prompt } = parsed.data;
    const response = ctx.mcpReq.inputResponses?.[requestId];
    try {
      await this.answer(tenant)({
        sessionId,
        requestId,
        ...decisionOf(response, prompt),
      });
    } catch (error) {
      // Answered meanwhile (session_respond, the deadline): the turn went on without this one.
      if (!(error instanceof ApprovalAlreadyAnswered || error instanceof ApprovalNotPending)) {
        throw error;
      }
    }
    return { resume: { sessionId, turn, events } };
  }
}
