import {
  InvalidRequest,
  TURN_ACTIVE_STATUSES,
  type PendingApproval,
  type SessionRespondArgs,
  type SessionStatus,
} from '@app/contracts';
import {
  ApprovalAlreadyAnswered,
  ApprovalNotPending,
  type Approvals,
  type SessionControl,
  type SessionStore,
} from '@app/sessions';

export interface ApprovalServiceDeps {
  sessions: Pick<SessionStore, 'get'>;
  approvals: Pick<Approvals, 'pending' | 'answer' | 'answersFor'>;
  control: Pick<SessionControl, 'send'>;
}

/**
 * Permission prompts of `permissions: "ask"` sessions, as a tenant sees and answers them. The
 * seam for every way a client answers (session_respond today; tasks' input_required and
 * elicitation can call `pending` and `respond` alike): all state is in Redis, so any replica
 * serves any session.
 */
export class ApprovalService {
  constructor(private readonly deps: ApprovalServiceDeps) {}

  /** The session's prompts waiting for an answer, oldest first (another tenant's: not found). */
  async pending(tenant: string, sessionId: string): Promise<PendingApproval[]> {
    const record = await this.deps.sessions.get(tenant, sessionId);
    // A session whose turn is over (terminated under a prompt, say) waits for nothing.
    if (!TURN_ACTIVE_STATUSES.includes(record.status)) return [];
    return this.deps.approvals.pending(sessionId);
  }

  /**
   * Answers a prompt: the first answer wins (atomically, whichever replica takes it), then the
   * worker holding the session is told; one that missed the message finds the answer itself.
   */
  async respond(
    args: SessionRespondArgs,
    tenant: string,
  ): Promise<{
    status: SessionStatus;
    requestId: string;
    decision: SessionRespondArgs['decision'];
  }> {
    const { sessionId, requestId, decision, message, answers } = args;
    const record = await this.deps.sessions.get(tenant, sessionId);
    if (!TURN_ACTIVE_STATUSES.includes(record.status)) {
      // The turn is over: nothing waits. A late answer still learns which one counted.
      const won = (await this.deps.approvals.answersFor(sessionId, [requestId])).get(requestId);
      if (won) throw new ApprovalAlreadyAnswered(requestId, won.decision, won.by);
      throw new ApprovalNotPending(sessionId, requestId);
    }
    const prompt = (await this.deps.approvals.pending(sessionId)).find(
      (p) => p.requestId === requestId,
    );
    if (prompt) checkFits(prompt, args);
    const outcome = await this.deps.approvals.answer(sessionId, requestId, {
      decision,
      by: 'client',
      ...(message !== undefined ? { message } : {}),
      ...(answers !== undefined ? { answers } : {}),
      at: Date.now(),
    });
    if (outcome.kind === 'answered') {
      throw new ApprovalAlreadyAnswered(requestId, outcome.answer.decision, outcome.answer.by);
    }
    if (outcome.kind === 'not_pending') throw new ApprovalNotPending(sessionId, requestId);
    await this.deps.control.send(sessionId, 'answered');
    const now = await this.deps.sessions.get(tenant, sessionId);
    return { status: now.status, requestId, decision };
  }
}

/** A question wants its answers; answers belong to questions only. */
function checkFits(prompt: PendingApproval, args: SessionRespondArgs): void {
  if (prompt.questions && args.decision !== 'deny' && !args.answers) {
    throw new InvalidRequest(
      `permission request ${prompt.requestId} is a question (${prompt.tool}): answer it with ` +
        'decision "allow" and answers {"<question>": "<option label>"}, or deny it',
    );
  }
  if (!prompt.questions && args.answers) {
    throw new InvalidRequest(
      `permission request ${prompt.requestId} asks to run ${prompt.tool}, not a question: ` +
        'leave answers out',
    );
  }
}
