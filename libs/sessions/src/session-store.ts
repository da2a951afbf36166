import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@app/redis';
import {
  CLOSED_STATUSES,
  REQUEUE_STATUSES,
  SESSION_STATUSES,
  SESSION_TRANSITIONS,
  ZERO_USAGE,
  keys,
  type SessionOptions,
  type SessionRecord,
  type SessionStatus,
} from '@app/contracts';
import { IllegalTransition, SessionClosed, SessionNotFound } from './errors';
import { decodeRecord, encodeFields } from './session-codec';
import { NEXT_TURN, RECORD_RESULT, TRANSITION } from './session-scripts';
import { listTenantSessions, indexMember, type SessionPage } from './tenant-index';

interface SessionCommands {
  sessionTransition(key: string, ...argv: string[]): Promise<[string, string]>;
  sessionNextTurn(key: string, ...argv: string[]): Promise<[string, string, string?]>;
  sessionRecordResult(key: string, ...argv: string[]): Promise<number>;
}

/** Per-turn figures a `result` line reports; cost is this turn's share, not the process total. */
export interface TurnResultFigures {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  costUsd: number;
  claudeSessionId?: string;
}

/** A session as created: queued for its first turn, nothing used yet. */
export function newSessionRecord(
  id: string,
  tenant: string,
  options: SessionOptions,
  now = Date.now(),
): SessionRecord {
  return {
    id,
    tenant,
    status: 'queued',
    createdAt: now,
    updatedAt: now,
    turns: 0,
    completedTurns: 0,
    options,
    usage: { ...ZERO_USAGE },
    costUsd: 0,
  };
}

/** The record when it is the tenant's; another tenant's id answers like an unknown one. */
export function ownSession(
  tenant: string,
  id: string,
  record: SessionRecord | undefined,
): SessionRecord {
  if (!record || record.tenant !== tenant) throw new SessionNotFound(id);
  return record;
}

/** Session records in Redis: one hash per session, a per-tenant index, atomic status changes. */
export class SessionStore {
  private readonly redis: RedisClient & SessionCommands;

  constructor(redis: RedisClient) {
    redis.defineCommand('sessionTransition', { numberOfKeys: 1, lua: TRANSITION });
    redis.defineCommand('sessionNextTurn', { numberOfKeys: 1, lua: NEXT_TURN });
    redis.defineCommand('sessionRecordResult', { numberOfKeys: 1, lua: RECORD_RESULT });
    this.redis = redis as RedisClient & SessionCommands;
  }

  async create(
    tenant: string,
    options: SessionOptions,
    id: string = randomUUID(),
  ): Promise<SessionRecord> {
    const record = newSessionRecord(id, tenant, options);
    // Two writes, not one MULTI: the tenant's index and the session hash have different hash
    // tags (different slots on a Redis Cluster). Index first: a failure in between leaves an
    // entry that list() skips (it has no record), never a record that list() cannot find.
    await this.redis.zadd(keys.tenantSessions(tenant), 0, indexMember(record));
    await this.redis.hset(keys.session(id), encodeFields(record));
    return record;
  }

  /** The tenant's session, or SessionNotFound (also for another tenant's id). */
  async get(tenant: string, id: string): Promise<SessionRecord> {
    return ownSession(tenant, id, await this.find(id));
  }

  /** Worker-side read, not tenant-scoped. */
  async find(id: string): Promise<SessionRecord | undefined> {
    return decodeRecord(await this.redis.hgetall(keys.session(id)));
  }

  list(
    tenant: string,
    options: { status?: SessionStatus; limit: number; cursor?: string },
  ): Promise<SessionPage> {
    return listTenantSessions(this.redis, tenant, options, (id) => this.find(id));
  }

  /**
   * Moves the session to `to` if its current status allows it (optionally only from `from`),
   * setting `patch` in the same step. Returns the previous status.
   */
  async transition(
    id: string,
    to: SessionStatus,
    options: { from?: SessionStatus[]; patch?: Partial<SessionRecord> } = {},
  ): Promise<SessionStatus> {
    const allowed = SESSION_STATUSES.filter(
      (s) => SESSION_TRANSITIONS[s].includes(to) && (!options.from || options.from.includes(s)),
    );
    const patch = Object.entries(encodeFields(options.patch ?? {})).flat();
    const [outcome, previous] = await this.redis.sessionTransition(
      keys.session(id),
      to,
      allowed.join(','),
      String(Date.now()),
      ...patch,
    );
    if (outcome === 'missing') throw new SessionNotFound(id);
    if (outcome === 'illegal') throw new IllegalTransition(id, previous as SessionStatus, to);
    return previous as SessionStatus;
  }

  /** Reserves the next turn number; an idle, hibernated or failed session is queued again. */
  async nextTurn(tenant: string, id: string): Promise<{ turn: number; previous: SessionStatus }> {
    const [outcome, value, previous] = await this.redis.sessionNextTurn(
      keys.session(id),
      tenant,
      String(Date.now()),
      REQUEUE_STATUSES.join(','),
      CLOSED_STATUSES.join(','),
    );
    if (outcome === 'missing') throw new SessionNotFound(id);
    if (outcome === 'closed') throw new SessionClosed(id, value as SessionStatus);
    return { turn: Number(value), previous: previous as SessionStatus };
  }

  /** Adds a turn's usage and cost and counts it as completed. */
  async recordResult(id: string, figures: TurnResultFigures): Promise<void> {
    await this.redis.sessionRecordResult(
      keys.session(id),
      String(Date.now()),
      String(Math.round(figures.inputTokens)),
      String(Math.round(figures.outputTokens)),
      String(Math.round(figures.cacheCreationTokens)),
      String(Math.round(figures.cacheReadTokens)),
      String(figures.costUsd),
      figures.claudeSessionId ?? '',
    );
  }

  /** Sets fields that carry no status rule (e.g. claudeSessionId, lastError). */
  async update(
    id: string,
    patch: Partial<Omit<SessionRecord, 'status' | 'id' | 'tenant'>>,
  ): Promise<void> {
    await this.redis.hset(keys.session(id), {
      ...encodeFields(patch),
      updatedAt: String(Date.now()),
    });
  }
}
