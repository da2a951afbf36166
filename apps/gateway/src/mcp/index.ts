export { CallCancelled } from './cancellation-relay';
export { MCP_MAX_BODY_BYTES } from './limits';
export {
  McpModule,
  McpUnavailableModule,
  type McpModuleOptions,
  type ProviderRecipe,
} from './mcp.module';
export { MCP_REDIS } from './redis-token';
export { RedisEventStore, type EventStoreScope } from './redis-event-store';
export { defineTool, MCP_TOOLSET, type ToolContext, type ToolDefinition } from './toolset';
