import type { ApprovalAnswer, PendingApproval } from '@app/contracts';
import type { AnswerOutcome, Approvals } from '@app/sessions';

/** The approval store in memory: first answer wins, allow_session remembered (see ApprovalStore). */
export class MemoryApprovals implements Approvals {
  private readonly pendingBy = new Map<string, Map<string, PendingApproval>>();
  private readonly answers = new Map<string, Map<string, ApprovalAnswer>>();
  private readonly allowed = new Map<string, Set<string>>();

  async open(sessionId: string, pending: PendingApproval): Promise<void> {
    this.of(this.pendingBy, sessionId, () => new Map()).set(pending.requestId, pending);
  }

  async answer(
    sessionId: string,
    requestId: string,
    answer: ApprovalAnswer,
  ): Promise<AnswerOutcome> {
    const answers = this.of(this.answers, sessionId, () => new Map());
    const prior = answers.get(requestId);
    if (prior) return { kind: 'answered', answer: prior };
    const pending = this.pendingBy.get(sessionId)?.get(requestId);
    if (!pending) return { kind: 'not_pending' };
    answers.set(requestId, answer);
    if (answer.decision === 'allow_session') {
      this.of(this.allowed, sessionId, () => new Set()).add(pending.signature);
    }
    return { kind: 'ok', pending };
  }

  async answersFor(sessionId: string, requestIds: readonly string[]) {
    const found = new Map<string, ApprovalAnswer>();
    for (const id of requestIds) {
      const answer = this.answers.get(sessionId)?.get(id);
      if (answer) found.set(id, answer);
    }
    return found;
  }

  async resolve(sessionId: string, requestId: string): Promise<void> {
    this.pendingBy.get(sessionId)?.delete(requestId);
  }

  async pending(sessionId: string): Promise<PendingApproval[]> {
    return [...(this.pendingBy.get(sessionId)?.values() ?? [])];
  }

  async clear(sessionId: string): Promise<PendingApproval[]> {
    const all = await this.pending(sessionId);
    this.pendingBy.delete(sessionId);
    return all;
  }

  async isAllowed(sessionId: string, signature: string): Promise<boolean> {
    return this.allowed.get(sessionId)?.has(signature) ?? false;
  }

  private of<T>(map: Map<string, T>, key: string, make: () => T): T {
    let value = map.get(key);
    if (value === undefined) map.set(key, (value = make()));
    return value;
  }
}
