import { randomUUID } from 'node:crypto';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { CallToolResult, Server } from '@modelcontextprotocol/server';
import type { CallEnvironment, CallRelay, TaskSupport, ToolDefinition } from '../mcp';
import { wireTask, type StoredTask } from './task-record';
import { installTaskMethods, type TaskMethodDeps } from './task-methods';
import { runTask, type TaskRunnerDeps } from './task-runner';
import type { TaskStore } from './task-store';

/** How a task-capable tool's arguments become those of a waited call (whose result it returns). */
export type TaskArguments = (args: Record<string, unknown>) => Record<string, unknown>;

/** The turn tools: as tasks, they run as `wait: true` calls. */
export const TURN_TASK_TOOLS: Readonly<Record<string, TaskArguments>> = {
  session_start: (args) => ({ ...args, wait: true }),
  session_send: (args) => ({ ...args, wait: true }),
};

export interface TaskServiceOptions {
  /** Tools whose calls may become tasks. */
  tools: Readonly<Record<string, TaskArguments>>;
  /** How long a task (and its result) is kept after its creation. */
  ttlMs: number;
  /** How often clients should poll tasks/get. */
  pollIntervalMs: number;
  /** A task whose gateway stopped renewing its lease this long fails (tasks/get says so). */
  leaseMs: number;
  respond?: TaskMethodDeps['respond'];
  /** The tools by name, to take over a task whose gateway stopped (absent: such a task fails). */
  toolset?: readonly ToolDefinition[];
}

export type TaskTimings = Pick<TaskServiceOptions, 'ttlMs' | 'pollIntervalMs' | 'leaseMs'>;

export const TASK_DEFAULTS: Readonly<TaskTimings> = {
  ttlMs: 24 * 60 * 60_000,
  pollIntervalMs: 1_000,
  leaseMs: 30_000,
};

/**
 * The tasks extension for the MCP layer (TaskSupport): a task-augmented call of a turn tool is
 * recorded in Redis before the answer, then run on this gateway as a waited call; tasks/get,
 * tasks/update and tasks/cancel are served on any replica from the record.
 */
export class TaskService implements TaskSupport, BeforeApplicationShutdown {
  private readonly log = new Logger('TaskService');
  /** Aborted when this gateway stops: its runners hand their tasks on. */
  private readonly stopping = new AbortController();
  private readonly runners = new Set<Promise<void>>();

  constructor(
    private readonly store: TaskStore,
    private readonly cancellations: Pick<CallRelay, 'track' | 'cancel'>,
    private readonly options: TaskServiceOptions,
  ) {}

  supports(toolName: string): boolean {
    return Object.hasOwn(this.options.tools, toolName);
  }

  async create(
    tool: ToolDefinition,
    args: Record<string, unknown>,
    env: CallEnvironment,
    client: { elicitsForms: boolean },
  ): Promise<CallToolResult> {
    const { ttlMs, pollIntervalMs, leaseMs } = this.options;
    const sessionId = typeof args.sessionId === 'string' ? args.sessionId : undefined;
    const task = await this.store.create({
      taskId: randomUUID(),
      tenant: env.tenant,
      tool: tool.name,
      ttlMs,
      pollIntervalMs,
      leaseUntil: Date.now() + leaseMs,
      sessionId,
      statusMessage: 'queued',
      elicitsForms: client.elicitsForms,
    });
    const waited = this.options.tools[tool.name](args);
    // Not awaited: the task answers now; its outcome lands in Redis, wherever it is read from.
    this.run(task, tool, waited, env, { elicitsForms: client.elicitsForms });
    return { content: [], resultType: 'task', ...wireTask(task) };
  }

  /**
   * Takes over a task whose gateway stopped before its turn ended (tasks/get found its lease
   * over): one replica wins the lease and follows the recorded turn on from its cursor, as the
   * waited call would have. Without a recorded turn there is nothing to follow: false.
   */
  async adopt(task: StoredTask, env: CallEnvironment): Promise<boolean> {
    const tool = this.options.toolset?.find((t) => t.name === task.tool);
    if (!tool || !task.sessionId || task.turn === undefined || !task.cursor) return false;
    if (!(await this.store.adopt(task.taskId, Date.now() + this.options.leaseMs))) return true;
    this.log.log(`task ${task.taskId}: taken over, following turn ${task.turn} on`);
    const resume = { sessionId: task.sessionId, turn: task.turn, events: task.cursor };
    this.run(task, tool, { sessionId: task.sessionId, wait: true }, env, {
      // As its client declared when it made the task: input requests, or session_respond named.
      elicitsForms: task.elicitsForms,
      resume,
    });
    return true;
  }

  /** Hands the running tasks on (their leases given up) before the connections close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.runners]);
  }

  private run(
    task: StoredTask,
    tool: ToolDefinition,
    args: Record<string, unknown>,
    env: CallEnvironment,
    extra: Pick<TaskRunnerDeps, 'elicitsForms' | 'resume'>,
  ): void {
    const runner = runTask(task, tool, args, env, {
      store: this.store,
      cancellations: this.cancellations,
      leaseMs: this.options.leaseMs,
      until: this.stopping.signal,
      ...extra,
    })
      .catch((error: unknown) =>
        this.log.error(`task ${task.taskId} lost its outcome: ${String(error)}`),
      )
      .finally(() => this.runners.delete(runner));
    this.runners.add(runner);
  }

  install(server: Server, env: CallEnvironment): void {
    installTaskMethods(server, env.tenant, {
      store: this.store,
      cancellations: this.cancellations,
      respond: this.options.respond,
      adopt: (task) => this.adopt(task, env),
    });
  }
}
