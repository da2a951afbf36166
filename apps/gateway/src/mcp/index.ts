export { approvalForm } from './approval-elicitation';
export { CallCancelled } from './call-relay';
export { MCP_MAX_BODY_BYTES } from './limits';
export {
  McpModule,
  McpUnavailableModule,
  type McpModuleOptions,
  type ProviderRecipe,
} from './mcp.module';
export { MCP_REDIS } from './redis-token';
export { RedisEventStore, type EventStoreScope } from './redis-event-store';
export { declaresTasks, TASKS_EXTENSION } from './client-capabilities';
export { type Era, type TaskSupport } from './server-factory';
export { MCP_TASKS } from './task-token';
export {
  answerOf,
  failureMessage,
  parseArguments,
  toolError,
  toolResult,
  type CallEnvironment,
} from './tool-calls';
export { CallRelay, type TrackedCall } from './call-relay';
export {
  defineTool,
  MCP_TOOLSET,
  type ToolAnswer,
  type ToolContext,
  type ToolDefinition,
  type TurnPause,
} from './toolset';
