import type Redis from 'ioredis';
import {
  controlChannel,
  type ControlMessage,
  type SessionEvent,
  type SessionEventsArgs,
  type SessionListArgs,
  type SessionRecord,
  type SessionSendArgs,
  type SessionStartArgs,
  type SessionOptions,
  type SessionStatus,
} from '@app/contracts';
import type { CheckpointStore } from '@app/checkpoint';
import type { TurnQueue } from '@app/queue';
import type { SessionStore } from '@app/sessions';
import type { EventRelay, SessionEventLog } from '@app/stream';
import { ToolError } from '../mcp/toolset';
import type { WorkspaceSeeder } from '../workspaces/workspace-seeder';
import { TurnWatch, type TurnEnd } from './turn-waiter';

export interface SessionServiceDeps {
  store: SessionStore;
  checkpoints: CheckpointStore;
  queue: TurnQueue;
  log: SessionEventLog;
  relay: EventRelay;
  /** Publishes control messages to the worker holding a session. */
  publisher: Redis;
  /** Longest a `wait: true` call waits for its turn before answering "still running". */
  maxTurnWaitMs: number;
  seeder: WorkspaceSeeder;
}

export interface CallContext {
  tenant: string;
  signal: AbortSignal;
  progress?: (message: string) => Promise<void>;
}

const START_CURSOR = '0-0';

/** The tools' logic: sessions, turns and their events, scoped to the calling tenant. */
export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  async start(args: SessionStartArgs, ctx: CallContext) {
    const { prompt, wait, workspace, checkpointId, ...options } = args;
    if (workspace && checkpointId) {
      throw new ToolError(
        'workspace and checkpointId cannot be combined: a fork takes the checkpoint’s workspace',
      );
    }
    const sessionOptions = await this.optionsFor(options, checkpointId, ctx);
    if (workspace) {
      sessionOptions.workspace = await this.deps.seeder.originOf(ctx.tenant, workspace);
    }
    const record = await this.deps.store.create(ctx.tenant, sessionOptions);
    const { turn } = await this.deps.store.nextTurn(ctx.tenant, record.id);
    await this.deps.queue.enqueue({
      sessionId: record.id,
      tenant: ctx.tenant,
      turn,
      message: prompt,
    });
    if (!wait) return { sessionId: record.id, status: 'queued' as SessionStatus };
    const end = await this.waitForTurn(record.id, turn, START_CURSOR, ctx);
    return { sessionId: record.id, ...end };
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

  async send(args: SessionSendArgs, ctx: CallContext) {
    const cursor = (await this.deps.log.lastId(args.sessionId)) ?? START_CURSOR;
    const { turn } = await this.deps.store.nextTurn(ctx.tenant, args.sessionId);
    await this.deps.queue.enqueue({
      sessionId: args.sessionId,
      tenant: ctx.tenant,
      turn,
      message: args.message,
    });
    if (!args.wait) return { status: 'queued' as SessionStatus, turn };
    const end = await this.waitForTurn(args.sessionId, turn, cursor, ctx);
    return { turn, ...end };
  }

  async events(args: SessionEventsArgs, ctx: CallContext) {
    await this.deps.store.get(ctx.tenant, args.sessionId);
    const page = await this.deps.relay.events(args.sessionId, {
      after: args.after,
      limit: args.limit ?? 100,
      waitMs: args.waitMs ?? 0,
      signal: ctx.signal,
    });
    const record = await this.deps.store.get(ctx.tenant, args.sessionId);
    return {
      events: page.events,
      next: page.next ?? args.after ?? START_CURSOR,
      status: record.status,
    };
  }

  async status(sessionId: string, ctx: CallContext) {
    return describe(await this.deps.store.get(ctx.tenant, sessionId));
  }

  async list(args: SessionListArgs, ctx: CallContext) {
    const page = await this.deps.store.list(ctx.tenant, {
      limit: args.limit ?? 50,
      status: args.status,
      cursor: args.cursor,
    });
    return {
      sessions: page.sessions.map((r) => ({ sessionId: r.id, ...describe(r) })),
      next: page.next,
    };
  }

  /** Stops the running turn wherever it runs; a turn still waiting in the queue is dropped. */
  async interrupt(sessionId: string, ctx: CallContext) {
    const record = await this.deps.store.get(ctx.tenant, sessionId);
    if (record.status === 'queued') {
      await this.deps.queue.dropWaiting(sessionId, pendingTurns(record));
      await this.deps.store
        .transition(sessionId, 'idle', { from: ['queued'] })
        .catch(() => undefined);
    } else if (record.status === 'running') await this.control(sessionId, 'interrupt');
    return { status: (await this.deps.store.get(ctx.tenant, sessionId)).status };
  }

  async terminate(sessionId: string, ctx: CallContext) {
    const record = await this.deps.store.get(ctx.tenant, sessionId);
    if (record.status !== 'terminated') {
      await this.deps.store.transition(sessionId, 'terminated');
      await this.deps.queue.dropWaiting(sessionId, pendingTurns(record));
      await this.control(sessionId, 'terminate');
      await this.deps.log.append(sessionId, [
        { turn: record.turns, kind: 'status', data: { status: 'terminated' } },
      ]);
    }
    return { status: 'terminated' as SessionStatus };
  }

  private async control(sessionId: string, action: ControlMessage['action']): Promise<void> {
    const message: ControlMessage = { action, at: Date.now() };
    await this.deps.publisher.publish(
      controlChannel(this.deps.publisher, sessionId),
      JSON.stringify(message),
    );
  }

  /**
   * Follows the session's events from `cursor` until `turn` ends, relaying each as progress.
   * A cancelled call interrupts the turn; a wait longer than maxTurnWaitMs answers "running".
   */
  private async waitForTurn(sessionId: string, turn: number, cursor: string, ctx: CallContext) {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), this.deps.maxTurnWaitMs);
    const onCancel = () => {
      stop.abort();
      void this.control(sessionId, 'interrupt');
    };
    ctx.signal.addEventListener('abort', onCancel, { once: true });
    let end: TurnEnd = { status: 'timeout' };
    const watch = new TurnWatch(turn);
    let next = cursor;
    try {
      await this.deps.relay.follow(
        sessionId,
        cursor,
        async (event: SessionEvent) => {
          next = event.id;
          if (ctx.progress) await ctx.progress(JSON.stringify(event));
          const found = watch.observe(event);
          if (found) {
            end = found;
            stop.abort(TURN_OVER);
          }
        },
        stop.signal,
      );
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onCancel);
    }
    const status = end.status === 'timeout' ? 'running' : end.status;
    return { status, result: end.result, error: end.error, events: next };
  }
}

/** Why a turn's follow stops when the turn ends: a plain reason spares a DOMException per turn. */
const TURN_OVER = 'turn over';

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function describe(r: SessionRecord) {
  return {
    status: r.status,
    turns: r.turns,
    usage: r.usage,
    costUsd: r.costUsd,
    lastCheckpointId: r.lastCheckpointId ?? null,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    ...(r.lastError ? { lastError: r.lastError } : {}),
  };
}

function pendingTurns(r: SessionRecord): number[] {
  const turns: number[] = [];
  for (let t = r.completedTurns + 1; t <= r.turns; t++) turns.push(t);
  return turns;
}
