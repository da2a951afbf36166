import type { RedisClient } from '@app/redis';
import { CallRelay, MCP_REDIS, type ProviderRecipe, type TaskSupport } from '../mcp';
import {
  TASK_DEFAULTS,
  TaskService,
  TURN_TASK_TOOLS,
  type TaskArguments,
  type TaskTimings,
} from './task-service';
import { TaskStore } from './task-store';

export { TASK_DEFAULTS, TaskService, TURN_TASK_TOOLS, type TaskArguments } from './task-service';
export { TaskStore } from './task-store';
export { turnTaskSupport } from './turn-tasks';

/** The MCP_TASKS provider: tasks in the MCP module's Redis, cancelled through its relay. */
export function taskSupport(
  tools: Readonly<Record<string, TaskArguments>> = TURN_TASK_TOOLS,
  options: Partial<TaskTimings> = {},
): ProviderRecipe<TaskSupport> {
  return {
    inject: [MCP_REDIS, CallRelay],
    useFactory: (redis: RedisClient, relay: CallRelay) =>
      new TaskService(new TaskStore(redis), relay, { tools, ...TASK_DEFAULTS, ...options }),
  };
}
