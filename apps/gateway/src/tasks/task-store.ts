import { keys } from '@app/contracts';
import type { RedisClient } from '@app/redis';
import { OPEN_STATUSES, StoredTask, TaskStatus } from './task-record';
import { ADOPT, TRANSITION } from './task-scripts';

/** A task to record: everything but the bookkeeping the store fills in. */
export interface NewTask {
  taskId: string;
  tenant: string;
  tool: string;
  ttlMs: number;
  pollIntervalMs: number;
  leaseUntil: number;
  sessionId?: string;
  statusMessage?: string;
  /** The client that made it can answer input requests (kept for a replica that takes it over). */
  elicitsForms?: boolean;
}

export type TransitionOutcome =
  | { kind: 'ok'; before: TaskStatus }
  | { kind: 'refused'; status: TaskStatus }
  | { kind: 'missing' };

/** Fields to set with a transition; `null` deletes the field. */
export type TaskFields = Partial<
  Record<
    | 'statusMessage'
    | 'result'
    | 'error'
    | 'inputRequests'
    | 'leaseUntil'
    | 'sessionId'
    | 'turn'
    | 'cursor',
    string | null
  >
>;

interface TaskCommands {
  taskTransition(key: string, ...args: string[]): Promise<[string, string]>;
  taskAdopt(key: string, now: string, leaseUntil: string): Promise<number>;
}

/** Task ids are ours (randomUUID, 122 random bits); anything else is not worth a round trip. */
const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Tasks in Redis, one hash per task under its own hash tag, so any replica answers tasks/get and
 * tasks/cancel. Every status change is a compare-and-set in Lua (task-scripts.ts): final
 * statuses are never left, so a cancel cannot be overwritten by a racing completion. A task is
 * bound to the tenant that made it; another tenant's id reads as missing.
 */
export class TaskStore {
  private readonly redis: RedisClient & TaskCommands;

  constructor(
    redis: RedisClient,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('taskTransition', { numberOfKeys: 1, lua: TRANSITION });
    redis.defineCommand('taskAdopt', { numberOfKeys: 1, lua: ADOPT });
    this.redis = redis as RedisClient & TaskCommands;
  }

  /** Resolves once the task is durably stored: a tasks/get on any replica finds it. */
  async create(task: NewTask): Promise<StoredTask> {
    const at = this.now();
    const fields: Record<string, string> = {
      taskId: task.taskId,
      tenant: task.tenant,
      tool: task.tool,
      status: 'working',
      createdAt: String(at),
      lastUpdatedAt: String(at),
      ttlMs: String(task.ttlMs),
      pollIntervalMs: String(task.pollIntervalMs),
      leaseUntil: String(task.leaseUntil),
      ...(task.sessionId ? { sessionId: task.sessionId } : {}),
      ...(task.statusMessage ? { statusMessage: task.statusMessage } : {}),
      ...(task.elicitsForms ? { elicitsForms: '1' } : {}),
    };
    const key = keys.mcpTask(task.taskId);
    const replies = await this.redis.multi().hset(key, fields).pexpire(key, task.ttlMs).exec();
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (!replies || failed) {
      throw new Error(`could not record task ${task.taskId}: ${failed?.message ?? 'discarded'}`);
    }
    return StoredTask.parse(fields);
  }

  /** The task, if it exists and belongs to `tenant` (another tenant's reads as missing). */
  async get(taskId: string, tenant: string): Promise<StoredTask | undefined> {
    if (!TASK_ID.test(taskId)) return undefined;
    const fields = await this.redis.hgetall(keys.mcpTask(taskId));
    if (fields.tenant !== tenant) return undefined;
    const parsed = StoredTask.safeParse(fields);
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * Takes over an open task whose lease ran out (its gateway stopped): true for the one replica
   * that gets it, which then follows the task's turn on until `leaseUntil` (and renews it).
   */
  async adopt(taskId: string, leaseUntil: number): Promise<boolean> {
    const adopted = await this.redis.taskAdopt(
      keys.mcpTask(taskId),
      String(this.now()),
      String(leaseUntil),
    );
    return adopted === 1;
  }

  /**
   * Moves the task to `to` (undefined: keeps its status) and sets `fields`, only if it is in one
   * of `from` (default: any open status), atomically.
   */
  async transition(
    taskId: string,
    to: TaskStatus | undefined,
    fields: TaskFields = {},
    { from = OPEN_STATUSES, touch = true }: { from?: readonly TaskStatus[]; touch?: boolean } = {},
  ): Promise<TransitionOutcome> {
    const pairs = Object.entries(fields).flatMap(([name, value]) => [name, value ?? '']);
    const [outcome, status] = await this.redis.taskTransition(
      keys.mcpTask(taskId),
      from.join(' '),
      to ?? '',
      touch ? String(this.now()) : '',
      ...pairs,
    );
    if (outcome === 'ok') return { kind: 'ok', before: TaskStatus.parse(status) };
    if (outcome === 'refused') return { kind: 'refused', status: TaskStatus.parse(status) };
    return { kind: 'missing' };
  }
}
