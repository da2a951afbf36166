/** Nest provider token: the ioredis client the MCP layer keeps its sessions and SSE history in. */
export const MCP_REDIS = Symbol('MCP_REDIS');
