import type { CanUseToolRequest, PermissionAnswer } from '@app/claude';
import {
  type ApprovalAnswer,
  type NewSessionEvent,
  type PendingApproval,
  type PermissionRequestData,
  type PermissionResolvedData,
} from '@app/contracts';
import { approvalSignature, type Approvals, type SessionStore } from '@app/sessions';
import type { Logger } from 'pino';
import { cliAnswer, questionsOf, summarizeInput } from './prompt-answers';
import { statusEvent } from './turn-events';

/** What a session's prompts need from the rest of the worker (repositories for all sessions). */
export interface ApprovalDeps {
  store: Approvals;
  sessions: Pick<SessionStore, 'transition'>;
  /** How often waiting prompts look for an answer in Redis, should the control message be lost. */
  recheckMs: number;
  logger: Logger;
}

/** What the prompts of one session need from its live CLI process. */
export interface PromptIo {
  /** Writes the answer to the CLI's stdin. */
  answer(requestId: string, answer: PermissionAnswer): Promise<void>;
  /** Appends an event to the session's stream, in order with the CLI's own lines. */
  emit(event: NewSessionEvent): void;
  /** The CLI is silent on purpose while a prompt waits: the inactivity timeout must not fire. */
  hold(): void;
  release(): void;
}

const UNRECORDED_MESSAGE =
  'This permission request could not be passed on to the user (a storage error), so it was ' +
  'denied. Try again later or go on without it.';

interface OpenPrompt {
  pending: PendingApproval;
  /** The whole input as the CLI sent it (the stored one may be shortened). */
  input: Record<string, unknown>;
  deadlineTimer: NodeJS.Timeout;
  askedAt: number;
}

/**
 * The permission prompts of one session's CLI (`permissions: "ask"`). A `can_use_tool` request
 * becomes a durable pending approval in Redis, a `permission_request` event and status
 * `waiting`; the first answer (a client's, or the deadline's) goes back to the CLI, then
 * `permission_resolved` and status `running`. Calls the client allowed for the session are
 * answered at once (by: "policy"). Every step runs one at a time, in order.
 */
export class SessionApprovals {
  private readonly open = new Map<string, OpenPrompt>();
  private chain: Promise<unknown> = Promise.resolve();
  private recheck: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly sessionId: string,
    private readonly timeoutMs: number,
    private readonly deps: ApprovalDeps,
    private readonly io: PromptIo,
  ) {}

  /** A `can_use_tool` line of turn `turn`. */
  request(turn: number, request: CanUseToolRequest): Promise<void> {
    return this.serial(() => this.ask(turn, request));
  }

  /** Looks for stored answers (the gateway said there is one, or the recheck timer fired). */
  check(): Promise<void> {
    return this.serial(() => this.collect());
  }

  /** The CLI withdrew a prompt (an interrupt): it is resolved as denied, by policy. */
  cancelled(requestId: string): Promise<void> {
    return this.serial(() => this.withdraw(requestId, 'cancelled by the CLI (interrupted)'));
  }

  /** The turn ended: any prompt still open is moot. */
  turnEnded(): Promise<void> {
    return this.serial(async () => {
      for (const id of [...this.open.keys()]) await this.withdraw(id, 'the turn ended');
    });
  }

  /** The process is gone: timers stop; pending records stay for the re-run to clear. */
  dispose(): void {
    this.disposed = true;
    for (const prompt of this.open.values()) clearTimeout(prompt.deadlineTimer);
    clearInterval(this.recheck);
    this.open.clear();
  }

  private async ask(turn: number, request: CanUseToolRequest): Promise<void> {
    const askedAt = performance.now();
    const { tool_name: tool, input } = request.request;
    const requestId = request.request_id;
    const signature = approvalSignature(tool, input);
    const questions = questionsOf(tool, input);
    // A question wants its answers every time: allow_session never answers one by itself.
    if (!questions && (await this.deps.store.isAllowed(this.sessionId, signature))) {
      await this.io.answer(requestId, { behavior: 'allow', updatedInput: input });
      this.emitResolved(turn, {
        requestId,
        decision: 'allow_session',
        by: 'policy',
        latencyMs: elapsed(askedAt),
      });
      return;
    }
    const data: PermissionRequestData = {
      requestId,
      tool,
      input: summarizeInput(input),
      suggestions: request.request.permission_suggestions ?? [],
      deadline: Date.now() + this.timeoutMs,
      ...(request.request.tool_use_id ? { toolUseId: request.request.tool_use_id } : {}),
    };
    if (questions) data.questions = questions;
    const pending: PendingApproval = { ...data, turn, signature, createdAt: Date.now() };
    try {
      await this.deps.store.open(this.sessionId, pending);
    } catch (error) {
      // Nobody could answer a prompt that is not on record: refuse it now rather than hang.
      this.deps.logger.warn({ sessionId: this.sessionId, err: error }, 'prompt not recorded');
      await this.io.answer(requestId, { behavior: 'deny', message: UNRECORDED_MESSAGE });
      this.emitResolved(turn, {
        requestId,
        decision: 'deny',
        by: 'policy',
        reason: 'not recorded',
      });
      return;
    }
    if (this.open.size === 0) this.io.hold();
    const deadlineTimer = setTimeout(() => void this.expire(requestId), this.timeoutMs);
    deadlineTimer.unref();
    this.open.set(requestId, { pending, input, deadlineTimer, askedAt });
    this.armRecheck();
    if (this.open.size === 1) await this.setStatus(turn, 'waiting');
    this.io.emit({ turn, kind: 'permission_request', data });
  }

  /** The deadline: deny, unless an answer won the race (then that one goes to the CLI). */
  private expire(requestId: string): Promise<void> {
    return this.serial(async () => {
      if (!this.open.has(requestId)) return;
      const deny: ApprovalAnswer = { decision: 'deny', by: 'deadline', at: Date.now() };
      const outcome = await this.deps.store.answer(this.sessionId, requestId, deny);
      // not_pending: the record is gone (Redis lost it); the CLI must not wait forever either.
      await this.deliver(requestId, outcome.kind === 'answered' ? outcome.answer : deny);
    });
  }

  private async collect(): Promise<void> {
    if (this.open.size === 0) return;
    const answers = await this.deps.store.answersFor(this.sessionId, [...this.open.keys()]);
    for (const [requestId, answer] of answers) await this.deliver(requestId, answer);
  }

  private async deliver(requestId: string, answer: ApprovalAnswer): Promise<void> {
    const prompt = this.take(requestId);
    if (!prompt) return;
    try {
      await this.io.answer(requestId, cliAnswer(answer, prompt.input));
    } catch (error) {
      // The process is gone: the turn fails or runs again; nothing to answer any more.
      this.deps.logger.debug({ sessionId: this.sessionId, err: error }, 'answer not delivered');
    }
    const { turn } = prompt.pending;
    this.emitResolved(turn, {
      requestId,
      decision: answer.decision,
      by: answer.by,
      latencyMs: elapsed(prompt.askedAt),
    });
    await this.settle(requestId, turn);
  }

  private async withdraw(requestId: string, reason: string): Promise<void> {
    const prompt = this.take(requestId);
    if (!prompt) return;
    const { turn } = prompt.pending;
    this.emitResolved(turn, { requestId, decision: 'deny', by: 'policy', reason });
    await this.settle(requestId, turn);
  }

  private take(requestId: string): OpenPrompt | undefined {
    const prompt = this.open.get(requestId);
    if (!prompt) return undefined;
    this.open.delete(requestId);
    clearTimeout(prompt.deadlineTimer);
    return prompt;
  }

  /** The prompt is answered: off the record; the last one lets the turn read running again. */
  private async settle(requestId: string, turn: number): Promise<void> {
    await this.deps.store.resolve(this.sessionId, requestId);
    if (this.open.size > 0) return;
    clearInterval(this.recheck);
    this.recheck = undefined;
    this.io.release();
    await this.setStatus(turn, 'running');
  }

  private async setStatus(turn: number, status: 'waiting' | 'running'): Promise<void> {
    try {
      await this.deps.sessions.transition(this.sessionId, status, {
        from: [status === 'waiting' ? 'running' : 'waiting'],
      });
      this.io.emit(statusEvent(turn, status));
    } catch (error) {
      // Terminated or ended meanwhile: the status says what it is now.
      this.deps.logger.debug({ sessionId: this.sessionId, err: error }, 'status not changed');
    }
  }

  private emitResolved(turn: number, data: PermissionResolvedData): void {
    this.io.emit({ turn, kind: 'permission_resolved', data });
  }

  private armRecheck(): void {
    if (this.recheck || this.disposed) return;
    this.recheck = setInterval(() => void this.check(), this.deps.recheckMs);
    this.recheck.unref();
  }

  /** Runs steps one at a time; a failed step is logged (callers fire and forget). */
  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.chain
      .then(() => (this.disposed ? undefined : step()))
      .catch((error: unknown) =>
        this.deps.logger.warn({ sessionId: this.sessionId, err: error }, 'approval step failed'),
      );
    this.chain = run;
    return run;
  }
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 100) / 100;
}
