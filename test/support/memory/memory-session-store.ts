import { randomUUID } from 'node:crypto';
import {
  CLOSED_STATUSES,
  InvalidRequest,
  REQUEUE_STATUSES,
  SESSION_STATUSES,
  SESSION_TRANSITIONS,
  type SessionOptions,
  type SessionRecord,
  type SessionStatus,
} from '@app/contracts';
import {
  IllegalTransition,
  newSessionRecord,
  ownSession,
  SessionClosed,
  SessionNotFound,
  type SessionPage,
  type SessionStore,
  type TurnResultFigures,
} from '@app/sessions';

type SessionRepository = Pick<
  SessionStore,
  'create' | 'get' | 'find' | 'list' | 'transition' | 'nextTurn' | 'recordResult' | 'update'
>;

/**
 * SessionStore in memory, for fast specs of the services that use it. It keeps the real store's
 * rules (the same transition table, re-queue and closed statuses, tenant scoping), and the
 * store's contract suite runs against it and against Redis alike, so the two cannot drift.
 */
export class MemorySessionStore implements SessionRepository {
  private readonly records = new Map<string, SessionRecord>();

  async create(
    tenant: string,
    options: SessionOptions,
    id: string = randomUUID(),
  ): Promise<SessionRecord> {
    const record = newSessionRecord(id, tenant, options);
    this.records.set(id, structuredClone(record));
    return record;
  }

  async get(tenant: string, id: string): Promise<SessionRecord> {
    return ownSession(tenant, id, await this.find(id));
  }

  async find(id: string): Promise<SessionRecord | undefined> {
    const record = this.records.get(id);
    return record && structuredClone(record);
  }

  /** Newest first; the cursor is the last id returned. */
  async list(
    tenant: string,
    options: { status?: SessionStatus; limit: number; cursor?: string },
  ): Promise<SessionPage> {
    // Ties in createdAt (a loop creates many sessions in one millisecond) go by creation order,
    // which the map keeps: a session created while a client pages sorts before its cursor.
    const all = [...this.records.values()]
      .map((record, created) => ({ record, created }))
      .filter(({ record }) => record.tenant === tenant)
      .sort((a, b) => b.record.createdAt - a.record.createdAt || b.created - a.created)
      .map(({ record }) => record);
    let from = 0;
    if (options.cursor !== undefined) {
      from = all.findIndex((r) => r.id === options.cursor) + 1;
      if (from === 0)
        throw new InvalidRequest('cursor is not one returned by session_list (its `next`)');
    }
    const sessions: SessionRecord[] = [];
    let i = from;
    for (; i < all.length && sessions.length < options.limit; i++) {
      if (!options.status || all[i].status === options.status) {
        sessions.push(structuredClone(all[i]));
      }
    }
    const more = all.slice(i).some((r) => !options.status || r.status === options.status);
    return more ? { sessions, next: all[i - 1].id } : { sessions };
  }

  async transition(
    id: string,
    to: SessionStatus,
    options: { from?: SessionStatus[]; patch?: Partial<SessionRecord> } = {},
  ): Promise<SessionStatus> {
    const record = this.records.get(id);
    if (!record) throw new SessionNotFound(id);
    const allowed = SESSION_STATUSES.filter(
      (s) => SESSION_TRANSITIONS[s].includes(to) && (!options.from || options.from.includes(s)),
    );
    const previous = record.status;
    if (!allowed.includes(previous)) throw new IllegalTransition(id, previous, to);
    Object.assign(record, structuredClone(options.patch ?? {}), {
      status: to,
      updatedAt: Date.now(),
    });
    return previous;
  }

  async nextTurn(tenant: string, id: string): Promise<{ turn: number; previous: SessionStatus }> {
    const record = this.records.get(id);
    if (!record || record.tenant !== tenant) throw new SessionNotFound(id);
    const previous = record.status;
    if (CLOSED_STATUSES.includes(previous)) throw new SessionClosed(id, previous);
    record.turns += 1;
    if (REQUEUE_STATUSES.includes(previous)) record.status = 'queued';
    record.updatedAt = Date.now();
    return { turn: record.turns, previous };
  }

  async recordResult(id: string, figures: TurnResultFigures): Promise<void> {
    const record = this.records.get(id);
    if (!record) return;
    record.completedTurns += 1;
    record.usage.input_tokens += Math.round(figures.inputTokens);
    record.usage.output_tokens += Math.round(figures.outputTokens);
    record.usage.cache_creation_input_tokens += Math.round(figures.cacheCreationTokens);
    record.usage.cache_read_input_tokens += Math.round(figures.cacheReadTokens);
    record.costUsd += figures.costUsd;
    if (figures.claudeSessionId) record.claudeSessionId = figures.claudeSessionId;
    record.updatedAt = Date.now();
  }

  async update(
    id: string,
    patch: Partial<Omit<SessionRecord, 'status' | 'id' | 'tenant'>>,
  ): Promise<void> {
    const record = this.records.get(id);
    if (record) Object.assign(record, structuredClone(patch), { updatedAt: Date.now() });
  }
}
