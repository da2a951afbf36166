import { randomUUID } from 'node:crypto';
import {
  InvalidRequest,
  TURN_ACTIVE_STATUSES,
  type SessionEventsArgs,
  type SessionListArgs,
  type SessionOptions,
  type SessionRecord,
  type SessionSendArgs,
  type SessionStartArgs,
  type SessionStatus,
} from '@app/contracts';
import type { CheckpointStore } from '@app/checkpoint';
import type { TurnQueue } from '@app/queue';
import type { SessionControl, SessionPage, SessionStore } from '@app/sessions';
import { START_CURSOR, type EventPage, type EventRelay, type SessionEventLog } from '@app/stream';
import type { TenantQuotas, TurnAdmission } from '../quotas/tenant-quotas';
import type { SpendGate } from '../budgets/spend-gate';
import type { WorkspaceSeeder } from '../workspaces/workspace-seeder';
import type { InterruptOutcome } from './session.outputs';
import type { TurnEnd, TurnWaiter, WaitContext } from './turn-waiter';

/**
 * What the session tools need, each through the narrowest face of its repository, so the
 * service can be specified with in-memory ones.
 */
export interface SessionServiceDeps {
  sessions: Pick<SessionStore, 'create' | 'get' | 'list' | 'nextTurn' | 'transition' | 'update'>;
  checkpoints: Pick<CheckpointStore, 'read'>;
  queue: Pick<TurnQueue, 'enqueue' | 'dropWaiting'>;
  events: Pick<SessionEventLog, 'lastId' | 'append'>;
  relay: Pick<EventRelay, 'events'>;
  control: Pick<SessionControl, 'send'>;
  waiter: Pick<TurnWaiter, 'wait'>;
  seeder: Pick<WorkspaceSeeder, 'originOf'>;
  /** Spend caps (budgetUsd, budgetTokens, budgetUsdPerDay); absent: turns are never refused. */
  budgets?: Pick<SpendGate, 'admitSession' | 'admitTurn'>;
  /** maxSessions and maxQueuedTurns (TENANT_LIMITS); absent: no quotas. */
  quotas?: Pick<
    TenantQuotas,
    'checkStart' | 'admitNewSession' | 'admitTurn' | 'turnsDropped' | 'sessionEnded'
  >;
}

export interface CallContext extends WaitContext {
  tenant: string;
  /** A retried waited call (an input-required round): go on waiting for this turn. */
  resume?: TurnPause;
  /** Told where a waited call stopped at a prompt (the client answers it by retrying). */
  onPaused?: (at: TurnPause) => void;
  /** Told the turn a call queued (and the cursor before it), before it waits for it. */
  onTurn?: (at: TurnPause) => void;
}

/** Where a waited call stopped: the turn and the cursor after the prompt's event. */
export interface TurnPause {
  sessionId: string;
  turn: number;
  events: string;
}

/** What session_interrupt did, and the status it left. */
export interface Interrupted {
  status: SessionStatus;
  outcome: InterruptOutcome;
  turn: number;
  /** Turns queued behind the stopped one, dropped before they ran. */
  dropped?: number[];
}

/** How long session_interrupt waits for the stopped turn to end before answering anyway. */
const INTERRUPT_SETTLE_MS = 10_000;

/** A turn as queued, and when waited for, as it ended. */
export type TurnStarted =
  { status: 'queued'; turn: number; events?: string } | ({ turn: number } & TurnEnd);

/** Sessions, turns and their events, scoped to the calling tenant. */
export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  async start(
    args: SessionStartArgs,
    ctx: CallContext,
  ): Promise<{ sessionId: string } & TurnStarted> {
    const { prompt, wait, workspace, checkpointId, ...options } = args;
    if (ctx.resume)
      return { ...(await this.resumed(ctx.resume, ctx)), sessionId: ctx.resume.sessionId };
    // A fork may inherit permissions "ask" from its checkpoint: only a new session is checked.
    if (options.approvalTimeoutMs !== undefined && options.permissions !== 'ask' && !checkpointId) {
      throw new InvalidRequest(
        'approvalTimeoutMs applies only with permissions "ask" (prompts answered by you): ' +
          'add permissions: "ask", or leave approvalTimeoutMs out',
      );
    }
    if (workspace && checkpointId) {
      throw new InvalidRequest(
        'workspace and checkpointId cannot be combined: a fork takes the checkpoint’s workspace',
      );
    }
    // Refused at once, before the workspace is seeded; the admission below is the atomic one.
    await this.deps.quotas?.checkStart(ctx.tenant);
    await this.deps.budgets?.admitSession(ctx.tenant);
    const sessionOptions = await this.optionsFor(options, checkpointId, ctx);
    if (workspace) {
      sessionOptions.workspace = await this.deps.seeder.originOf(ctx.tenant, workspace);
    }
    const sessionId = randomUUID();
    const admission = await this.deps.quotas?.admitNewSession(ctx.tenant, sessionId);
    const record = await this.deps.sessions
      .create(ctx.tenant, sessionOptions, sessionId)
      .catch(async (error: unknown) => {
        await admission?.abandon(error);
        throw error;
      });
    const turn = await this.enqueue(record.id, prompt, ctx, admission);
    ctx.onTurn?.({ sessionId: record.id, turn, events: START_CURSOR });
    if (!wait) return { sessionId: record.id, status: 'queued', turn };
    const end = await this.deps.waiter.wait(record.id, turn, START_CURSOR, ctx);
    return { sessionId: record.id, ...this.paused(record.id, turn, end, ctx) };
  }

  async send(args: SessionSendArgs, ctx: CallContext): Promise<TurnStarted> {
    if (ctx.resume) {
      if (ctx.resume.sessionId !== args.sessionId) {
        throw new InvalidRequest(
          `this retry's requestState belongs to session ${ctx.resume.sessionId}: retry the ` +
            'call with its original arguments',
        );
      }
      return this.resumed(ctx.resume, ctx);
    }
    // Budgets the call names replace the session's; a spent one refuses the turn before it exists.
    await this.deps.budgets?.admitTurn(ctx.tenant, args.sessionId, args);
    // Taken before the turn is queued, so a waited call relays the whole turn.
    const cursor = (await this.deps.events.lastId(args.sessionId)) ?? START_CURSOR;
    const turn = await this.enqueue(args.sessionId, args.message, ctx);
    ctx.onTurn?.({ sessionId: args.sessionId, turn, events: cursor });
    // The cursor to follow the queued turn from (session_events { after }), not the whole session.
    if (!args.wait) return { status: 'queued', turn, events: cursor };
    const end = await this.deps.waiter.wait(args.sessionId, turn, cursor, ctx);
    return this.paused(args.sessionId, turn, end, ctx);
  }

  /** The next round of a waited call that stopped at a prompt: the same turn, from its cursor. */
  private async resumed(at: TurnPause, ctx: CallContext): Promise<TurnStarted> {
    await this.deps.sessions.get(ctx.tenant, at.sessionId); // another tenant's: not found
    const end = await this.deps.waiter.wait(at.sessionId, at.turn, at.events, ctx);
    return this.paused(at.sessionId, at.turn, end, ctx);
  }

  /** A turn's end as the call answers it; a stop at a prompt is reported to a caller that asks. */
  private paused(sessionId: string, turn: number, end: TurnEnd, ctx: CallContext): TurnStarted {
    if (end.status === 'waiting') ctx.onPaused?.({ sessionId, turn, events: end.events });
    return { turn, ...end };
  }

  async events(
    args: SessionEventsArgs,
    ctx: CallContext,
  ): Promise<EventPage & { status: SessionStatus }> {
    await this.deps.sessions.get(ctx.tenant, args.sessionId);
    const page = await this.deps.relay.events(args.sessionId, {
      after: args.after,
      limit: args.limit ?? 100,
      waitMs: args.waitMs ?? 0,
      signal: ctx.signal,
    });
    const record = await this.deps.sessions.get(ctx.tenant, args.sessionId);
    return { ...page, next: page.next ?? args.after ?? START_CURSOR, status: record.status };
  }

  status(sessionId: string, ctx: CallContext): Promise<SessionRecord> {
    return this.deps.sessions.get(ctx.tenant, sessionId);
  }

  list(args: SessionListArgs, ctx: CallContext): Promise<SessionPage> {
    return this.deps.sessions.list(ctx.tenant, {
      limit: args.limit ?? 50,
      status: args.status,
      cursor: args.cursor,
    });
  }

  /**
   * Stops the running turn wherever it runs and waits (briefly) for it to end, so the answer can
   * say the session takes the next message; a turn still waiting in the queue is dropped.
   */
  async interrupt(sessionId: string, ctx: CallContext): Promise<Interrupted> {
    const record = await this.deps.sessions.get(ctx.tenant, sessionId);
    const turn = record.runningTurn ?? record.turns;
    if (record.status === 'queued') {
      await this.dropQueued(record, pendingTurns(record), ctx);
      await this.deps.sessions
        .transition(sessionId, 'idle', { from: ['queued'] })
        .catch(() => undefined); // picked up meanwhile: the status says what it is now
      const now = await this.deps.sessions.get(ctx.tenant, sessionId);
      return { status: now.status, outcome: 'dropped', turn: record.turns };
    }
    if (!TURN_ACTIVE_STATUSES.includes(record.status)) {
      return { status: record.status, outcome: 'nothing_running', turn: record.turns };
    }
    // Stopping means stopping: messages queued behind the running turn do not run after it.
    const dropped = pendingTurns(record).filter((t) => t > turn);
    if (dropped.length > 0) await this.dropQueued(record, dropped, ctx);
    const cursor = (await this.deps.events.lastId(sessionId)) ?? START_CURSOR;
    await this.deps.control.send(sessionId, 'interrupt');
    // Not relayed as progress and never interrupting again: this wait only watches the end.
    await this.deps.waiter.wait(sessionId, turn, cursor, {
      signal: ctx.signal,
      approvals: 'follow',
      limitMs: INTERRUPT_SETTLE_MS,
      quiet: true,
    });
    const now = await this.deps.sessions.get(ctx.tenant, sessionId);
    return {
      status: now.status,
      outcome: 'interrupted',
      turn,
      ...(dropped.length ? { dropped } : {}),
    };
  }

  /**
   * Takes turns that have not started off the queue; a job of theirs already taken by a worker
   * (handed over, waiting for the session) is skipped there: the record says they were dropped.
   */
  private async dropQueued(
    record: SessionRecord,
    turns: number[],
    ctx: CallContext,
  ): Promise<void> {
    await this.deps.sessions.update(record.id, { droppedThrough: Math.max(...turns) });
    await this.deps.queue.dropWaiting(record.id, turns);
    await this.deps.quotas?.turnsDropped(ctx.tenant, record.id, turns);
  }

  async terminate(sessionId: string, ctx: CallContext): Promise<'terminated'> {
    const record = await this.deps.sessions.get(ctx.tenant, sessionId);
    if (record.status !== 'terminated') {
      await this.deps.sessions.transition(sessionId, 'terminated');
      await this.deps.queue.dropWaiting(sessionId, pendingTurns(record));
      await this.deps.quotas?.turnsDropped(ctx.tenant, sessionId, pendingTurns(record));
      await this.deps.quotas?.sessionEnded(ctx.tenant, sessionId);
      await this.deps.control.send(sessionId, 'terminate');
      await this.deps.events.append(sessionId, [
        { turn: record.turns, kind: 'status', data: { status: 'terminated' } },
      ]);
    }
    return 'terminated';
  }

  /** Queues a turn; admitted first against the tenant's quotas (a new session's: by start). */
  private async enqueue(
    sessionId: string,
    message: string,
    ctx: CallContext,
    admitted?: TurnAdmission,
  ): Promise<number> {
    const admission = admitted ?? (await this.deps.quotas?.admitTurn(ctx.tenant, sessionId));
    try {
      const { turn } = await this.deps.sessions.nextTurn(ctx.tenant, sessionId);
      await admission?.numbered(turn);
      const job = { sessionId, tenant: ctx.tenant, turn, message };
      await this.deps.queue.enqueue(job, { backlog: admission?.backlog });
      return turn;
    } catch (error) {
      await admission?.abandon(error);
      throw error;
    }
  }

  /**
   * A fork continues the checkpoint's conversation with its options, unless the call names
   * others; the checkpoint must be the tenant's own (another's answers "not found").
   */
  private async optionsFor(
    options: SessionOptions,
    checkpointId: string | undefined,
    ctx: CallContext,
  ): Promise<SessionOptions> {
    if (!checkpointId) return { ...options };
    const manifest = await this.deps.checkpoints.read(ctx.tenant, checkpointId);
    const { checkpointId: _source, workspace: _origin, ...inherited } = manifest.session.options;
    // The fork's workspace is the checkpoint's; its diff base stays the original seed.
    const seedTree = manifest.workspace?.seed;
    return {
      ...inherited,
      ...stripUndefined(options),
      checkpointId,
      ...(seedTree ? { workspace: { seedTree } } : {}),
    };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Turns requested and not completed: those a terminate or an interrupt takes off the queue. */
function pendingTurns(r: SessionRecord): number[] {
  const turns: number[] = [];
  for (let t = r.completedTurns + 1; t <= r.turns; t++) turns.push(t);
  return turns;
}
