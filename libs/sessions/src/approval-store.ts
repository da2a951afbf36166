import type { RedisClient } from '@app/redis';
import {
  ApprovalAnswerSchema,
  PendingApprovalSchema,
  keys,
  type ApprovalAnswer,
  type PendingApproval,
} from '@app/contracts';
import { ANSWER_APPROVAL, CLEAR_APPROVALS, OPEN_APPROVAL } from './approval-scripts';

interface ApprovalCommands {
  approvalAnswer(...args: string[]): Promise<[string, string]>;
  approvalOpen(...args: string[]): Promise<number>;
  approvalClear(key: string): Promise<string[]>;
}

/** How an answer attempt went: it won, another answer won first, or nothing waits under that id. */
export type AnswerOutcome =
  | { kind: 'ok'; pending: PendingApproval }
  | { kind: 'answered'; answer: ApprovalAnswer }
  | { kind: 'not_pending' };

/** Answers are kept this long after the last one, so a late second answer learns who won. */
const ANSWERS_TTL_MS = 24 * 60 * 60_000;
/** A pending prompt outlives its deadline by this much at most, should its worker die. */
const PENDING_GRACE_MS = 60 * 60_000;

/** The face of the approval store the worker and the gateway use (memory one for fast specs). */
export type Approvals = Pick<
  ApprovalStore,
  'open' | 'answer' | 'answersFor' | 'resolve' | 'pending' | 'clear' | 'isAllowed'
>;

/**
 * Permission prompts waiting for the client, durable in Redis under the session's hash tag: the
 * worker opens one per `can_use_tool` request, any gateway replica answers it (the first answer
 * wins, atomically), and the worker reads the answer (told over SessionControl, or re-checking
 * on its own when the message was missed).
 */
export class ApprovalStore {
  private readonly redis: RedisClient & ApprovalCommands;

  constructor(redis: RedisClient) {
    redis.defineCommand('approvalAnswer', { numberOfKeys: 3, lua: ANSWER_APPROVAL });
    redis.defineCommand('approvalOpen', { numberOfKeys: 1, lua: OPEN_APPROVAL });
    redis.defineCommand('approvalClear', { numberOfKeys: 1, lua: CLEAR_APPROVALS });
    this.redis = redis as RedisClient & ApprovalCommands;
  }

  /** Records a prompt as pending. */
  async open(sessionId: string, pending: PendingApproval): Promise<void> {
    const ttl = Math.max(1, pending.deadline - Date.now()) + PENDING_GRACE_MS;
    await this.redis.approvalOpen(
      keys.approvals(sessionId),
      pending.requestId,
      JSON.stringify(pending),
      String(ttl),
    );
  }

  /** Stores `answer` unless the prompt has one already (first wins) or is not pending. */
  async answer(
    sessionId: string,
    requestId: string,
    answer: ApprovalAnswer,
  ): Promise<AnswerOutcome> {
    const [outcome, json] = await this.redis.approvalAnswer(
      keys.approvals(sessionId),
      keys.approvalAnswers(sessionId),
      keys.sessionAllowed(sessionId),
      requestId,
      JSON.stringify(answer),
      answer.decision,
      String(ANSWERS_TTL_MS),
    );
    if (outcome === 'ok')
      return { kind: 'ok', pending: PendingApprovalSchema.parse(JSON.parse(json)) };
    if (outcome === 'answered') {
      return { kind: 'answered', answer: ApprovalAnswerSchema.parse(JSON.parse(json)) };
    }
    return { kind: 'not_pending' };
  }

  /** The answers stored for these prompts (absent: none yet). */
  async answersFor(
    sessionId: string,
    requestIds: readonly string[],
  ): Promise<Map<string, ApprovalAnswer>> {
    const found = new Map<string, ApprovalAnswer>();
    if (requestIds.length === 0) return found;
    const values = await this.redis.hmget(keys.approvalAnswers(sessionId), ...requestIds);
    values.forEach((value, i) => {
      const parsed = value ? ApprovalAnswerSchema.safeParse(safeJson(value)) : undefined;
      if (parsed?.success) found.set(requestIds[i], parsed.data);
    });
    return found;
  }

  /** The prompt got its answer through to the CLI: no longer pending. */
  async resolve(sessionId: string, requestId: string): Promise<void> {
    await this.redis.hdel(keys.approvals(sessionId), requestId);
  }

  /** The prompts waiting now, oldest first. */
  async pending(sessionId: string): Promise<PendingApproval[]> {
    return parseAll(await this.redis.hvals(keys.approvals(sessionId)));
  }

  /** Drops every pending prompt (its turn ended or runs again); returns them. */
  async clear(sessionId: string): Promise<PendingApproval[]> {
    return parseAll(await this.redis.approvalClear(keys.approvals(sessionId)));
  }

  /** Whether the client allowed calls with this signature for the rest of the session. */
  async isAllowed(sessionId: string, signature: string): Promise<boolean> {
    return (await this.redis.sismember(keys.sessionAllowed(sessionId), signature)) === 1;
  }
}

function parseAll(values: readonly string[]): PendingApproval[] {
  const out: PendingApproval[] = [];
  for (const value of values) {
    const parsed = PendingApprovalSchema.safeParse(safeJson(value));
    if (parsed.success) out.push(parsed.data);
  }
  return out.sort((a, b) => a.createdAt - b.createdAt);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
