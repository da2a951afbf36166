import {
  promptDetail,
  PermissionRequestDataSchema,
  PermissionResolvedDataSchema,
  relaysEvent,
  turnRelayEnd,
  type PermissionRequestData,
  type SessionEvent,
  type TurnRelayPlan,
} from '@app/contracts';
import type { SessionControl } from '@app/sessions';
import type { EventRelay } from '@app/stream';
import { inSpan } from '@app/tracing';
import type { Span } from '@opentelemetry/api';
import { CliResultSchema, type CliResult } from './session.outputs';

/**
 * What waiting for a turn found: its `result` line, and the status that closed the turn; or
 * `waiting` with the permission request the client must answer (session_respond) first.
 */
export type TurnEnd = {
  status: 'idle' | 'failed' | 'terminated' | 'running' | 'waiting';
  result?: CliResult;
  error?: string;
  /** The code of the worker's error event (`cli_failed`, `turn_lost`, `no_credentials`...). */
  errorCode?: string;
  /** With status `waiting`: the request to answer. */
  pending?: WaitingFor;
  /** With status `waiting`: what to do next, for the model reading the answer. */
  message?: string;
  /** The cursor after the last event relayed: `session_events { after }` goes on from here. */
  events: string;
};

export interface WaitContext {
  signal: AbortSignal;
  progress?: (message: string) => Promise<void>;
  /**
   * Relays the turn's events as progress where the call's transport derives them from the
   * session's stream (see ToolContext.relayTurn); otherwise each goes to `progress` as JSON text.
   */
  relayTurn?: (plan: TurnRelayPlan) => (event: SessionEvent) => Promise<void>;
  /**
   * What a permission prompt of the turn does to the wait: `return` (the default) answers at
   * once with status `waiting` and the request, so a plain client is never blocked until the
   * deadline; `follow` keeps following the turn through its prompts, for a caller that relays
   * them itself (a task: input_required, answered through tasks/update) and wants the end.
   */
  approvals?: 'return' | 'follow';
  /**
   * Puts a prompt of the turn to the client during the call (elicitation): with it the wait
   * follows the turn through its prompts, asking about each, whatever `approvals` says. The
   * signal aborts once the prompt is resolved (by anyone) or the wait ends.
   */
  askApproval?: (sessionId: string, prompt: WaitingFor, signal: AbortSignal) => Promise<void>;
  /** The longest this wait lasts (default and cap: the waiter's `maxWaitMs`). */
  limitMs?: number;
  /**
   * A wait that only watches the turn end (session_interrupt's): the caller going away does not
   * interrupt the turn again, since by then a later turn may be running.
   */
  quiet?: boolean;
  /**
   * Ends the wait like its time limit (status running, the cursor), the turn untouched. A wait
   * with it is not an HTTP call: a stopping gateway does not hold its drain for it.
   */
  until?: AbortSignal;
}

/** What a waited call shows of a pending permission request. */
export type WaitingFor = Pick<
  PermissionRequestData,
  'requestId' | 'tool' | 'input' | 'deadline' | 'questions'
>;

/** Why a turn's follow stops when the turn ends: a plain reason spares a DOMException per turn. */
const TURN_OVER = 'turn over';

/**
 * A waited call (`wait: true`): follows the session's events from a cursor until the turn ends,
 * relaying each as progress. A cancelled call interrupts the turn wherever it runs; a wait
 * longer than `maxWaitMs` answers "still running" with the cursor to go on from.
 */
export class TurnWaiter {
  private active = 0;
  private readonly idlers = new Set<() => void>();

  constructor(
    private readonly relay: Pick<EventRelay, 'follow'>,
    private readonly control: Pick<SessionControl, 'send'>,
    private readonly maxWaitMs: number,
  ) {}

  /** Resolves once no call waits (or after ms): how a stopping gateway lets waits finish. */
  idle(ms: number): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idlers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.idlers.add(done);
    });
  }

  /** Follows the turn inside a `turn relay` span: from the cursor to the turn's end (or the wait's). */
  wait(sessionId: string, turn: number, cursor: string, ctx: WaitContext): Promise<TurnEnd> {
    const attributes = { 'csb.session_id': sessionId, 'csb.turn': turn };
    return inSpan('turn relay', { attributes }, async (span) => {
      const end = await this.counted(sessionId, turn, cursor, ctx, span);
      span.setAttribute('csb.turn.status', end.status);
      return end;
    });
  }

  private async counted(
    sessionId: string,
    turn: number,
    cursor: string,
    ctx: WaitContext,
    span: Span,
  ): Promise<TurnEnd> {
    if (ctx.until) return this.follow(sessionId, turn, cursor, ctx, span);
    this.active++;
    try {
      return await this.follow(sessionId, turn, cursor, ctx, span);
    } finally {
      if (--this.active === 0) for (const done of [...this.idlers]) done();
    }
  }

  private async follow(
    sessionId: string,
    turn: number,
    cursor: string,
    ctx: WaitContext,
    span: Span,
  ): Promise<TurnEnd> {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), Math.min(ctx.limitMs ?? Infinity, this.maxWaitMs));
    const onCancel = () => {
      stop.abort();
      if (!ctx.quiet) void this.control.send(sessionId, 'interrupt');
    };
    ctx.signal.addEventListener('abort', onCancel, { once: true });
    const onUntil = () => stop.abort();
    if (ctx.until?.aborted) stop.abort();
    ctx.until?.addEventListener('abort', onUntil, { once: true });
    const asking = ctx.askApproval && new PromptAsker(sessionId, ctx.askApproval, stop.signal);
    const approvals = asking ? 'follow' : (ctx.approvals ?? 'return');
    const watch = new TurnWatch(turn, approvals, sessionId);
    const plan = { sessionId, turn, after: cursor, endsAtPrompt: approvals === 'return' };
    const relayed = relayOf(ctx, plan);
    let found: Omit<TurnEnd, 'events'> | undefined;
    let next = cursor;
    let count = 0;
    try {
      await this.relay.follow(
        sessionId,
        cursor,
        async (event: SessionEvent) => {
          next = event.id;
          // When the turn's first event reached this gateway, and how old it was by then.
          if (count++ === 0)
            span.addEvent('first event', { 'csb.event.age_ms': Date.now() - event.ts });
          if (relayed && relaysEvent(plan, event)) await relayed(event);
          if (event.turn === turn) asking?.observe(event);
          found = watch.observe(event);
          if (found) stop.abort(TURN_OVER);
        },
        stop.signal,
      );
    } finally {
      span.setAttribute('csb.events.read', count);
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onCancel);
      ctx.until?.removeEventListener('abort', onUntil);
      await asking?.settled();
    }
    return { ...(found ?? { status: 'running' }), events: next };
  }
}

/** Where the wait's relayed events go: derived progress, plain progress, or nowhere. */
function relayOf(
  ctx: WaitContext,
  plan: TurnRelayPlan,
): ((event: SessionEvent) => Promise<void>) | undefined {
  if (ctx.relayTurn) return ctx.relayTurn(plan);
  const progress = ctx.progress;
  return progress && ((event) => progress(JSON.stringify(event)));
}

/**
 * Asks the client about each prompt of the turn, while the wait follows it: not awaited in the
 * follow, since the turn goes on only once the prompt is answered; a prompt resolved by anyone
 * (session_respond, the deadline) withdraws its question.
 */
class PromptAsker {
  private readonly open = new Map<string, AbortController>();
  private readonly asked: Promise<void>[] = [];

  constructor(
    private readonly sessionId: string,
    private readonly ask: NonNullable<WaitContext['askApproval']>,
    private readonly ended: AbortSignal,
  ) {}

  observe(event: SessionEvent): void {
    if (event.kind === 'permission_request') {
      const parsed = PermissionRequestDataSchema.safeParse(event.data);
      if (!parsed.success || this.open.has(parsed.data.requestId)) return;
      const { requestId, tool, input, deadline, questions } = parsed.data;
      const withdrawn = new AbortController();
      this.open.set(requestId, withdrawn);
      const prompt = { requestId, tool, input, deadline, ...(questions ? { questions } : {}) };
      const signal = AbortSignal.any([withdrawn.signal, this.ended]);
      this.asked.push(this.ask(this.sessionId, prompt, signal).catch(() => undefined));
    }
    if (event.kind === 'permission_resolved') {
      const resolved = PermissionResolvedDataSchema.safeParse(event.data);
      if (resolved.success) this.open.get(resolved.data.requestId)?.abort();
    }
  }

  /** Resolves once every question asked has been answered or withdrawn. */
  async settled(): Promise<void> {
    await Promise.all(this.asked);
  }
}

/**
 * Follows one turn's events: the CLI's `result` line is kept, and the turn is over with the
 * worker's status event after it (idle once the checkpoint is stored, failed after a crash),
 * or with terminated. So a caller that sees the end sees a session that reads idle, and its
 * checkpoint.
 */
export class TurnWatch {
  private result: CliResult | undefined;
  private error: string | undefined;
  private errorCode: string | undefined;

  constructor(
    private readonly turn: number,
    private readonly approvals: 'return' | 'follow' = 'return',
    /** Named in the answer to a prompt, so a client that reads only text can answer it. */
    private readonly sessionId = '<sessionId>',
  ) {}

  /** The turn's end, once this event closes it (turnRelayEnd says which events do). */
  observe(event: SessionEvent): Omit<TurnEnd, 'events'> | undefined {
    if (event.turn === this.turn) this.collect(event);
    const end = turnRelayEnd({ turn: this.turn, endsAtPrompt: this.approvals === 'return' }, event);
    if (end === 'waiting') return this.waiting(event.data, event.id);
    return end && this.end(end);
  }

  /** What the turn's answer says: its `result` line, and why it failed or was stopped. */
  private collect(event: SessionEvent): void {
    const data = event.data as Record<string, unknown> | null;
    if (event.kind === 'claude' && data?.type === 'result') {
      const parsed = CliResultSchema.safeParse(data);
      if (parsed.success) this.result = parsed.data;
    }
    if (event.kind === 'error' && typeof data?.message === 'string') {
      this.error = data.message;
      this.errorCode = typeof data.code === 'string' ? data.code : undefined;
    }
    // A budget stopped the turn: its message says which and how to go on.
    if (event.kind === 'budget_exceeded' && typeof data?.message === 'string') {
      this.error = data.message;
      this.errorCode = 'budget_exceeded';
    }
  }

  private waiting(data: unknown, cursor: string): Omit<TurnEnd, 'events'> | undefined {
    const parsed = PermissionRequestDataSchema.safeParse(data);
    if (!parsed.success) return undefined;
    const { requestId, tool, input, deadline, questions } = parsed.data;
    const session = JSON.stringify(this.sessionId);
    const asks = questions
      ? `Claude asks you: ${questions.map((q) => q.question).join(' / ')}`
      : `Claude asks to run ${tool}${promptDetail(input)}`;
    return {
      status: 'waiting',
      pending: { requestId, tool, input, deadline, ...(questions ? { questions } : {}) },
      message:
        `Turn ${this.turn} of session ${this.sessionId} is paused. ${asks}. Answer with ` +
        `session_respond { sessionId: ${session}, requestId: "${requestId}", ` +
        (questions
          ? 'decision: "allow", answers: {"<question>": "<option label>"} }'
          : 'decision: "allow" | "allow_session" | "deny" }') +
        ` before ${new Date(deadline).toISOString()} (then it is denied); then follow the turn ` +
        `with session_events { sessionId: ${session}, after: "${cursor}" }.`,
    };
  }

  private end(status: TurnEnd['status']): Omit<TurnEnd, 'events'> {
    return {
      status,
      result: this.result,
      error: this.error,
      ...(this.errorCode ? { errorCode: this.errorCode } : {}),
    };
  }
}
