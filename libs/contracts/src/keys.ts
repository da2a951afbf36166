/*
 * Redis key and channel names. Everything about one session shares the hash tag `{<id>}`, so
 * the Lua scripts that touch a session's hash and stream together also run on Redis Cluster.
 */
const P = 'csb';

export const keys = {
  /** Hash: the session record. */
  session: (sessionId: string) => `${P}:{${sessionId}}:session`,
  /** Stream: the session's events. */
  events: (sessionId: string) => `${P}:{${sessionId}}:events`,
  /** String with TTL: which worker holds the session's CLI process. */
  lease: (sessionId: string) => `${P}:{${sessionId}}:lease`,
  /** Sorted set (score: createdAt): a tenant's session ids. */
  tenantSessions: (tenant: string) => `${P}:tenant:{${tenant}}:sessions`,
  /** Hash with TTL: an MCP (transport) session, so any gateway replica can serve it. */
  mcpSession: (mcpSessionId: string) => `${P}:mcp:{${mcpSessionId}}`,
  /** Stream with TTL: SSE messages of one MCP stream, for Last-Event-ID replay. */
  mcpStream: (mcpSessionId: string, streamId: string) =>
    `${P}:mcp:{${mcpSessionId}}:sse:${streamId}`,
} as const;

export const channels = {
  /** Pub/sub: each appended batch (or, when large, its last id) for waiting relays. */
  events: (sessionId: string) => `${P}:{${sessionId}}:notify`,
  /** Pub/sub: interrupt / terminate requests for the worker that holds the session. */
  control: (sessionId: string) => `${P}:{${sessionId}}:control`,
} as const;

/**
 * BullMQ prefix: a hash tag keeps all of a queue's keys in one Cluster slot. BullMQ cannot use
 * ioredis' keyPrefix, so a deployment's REDIS_KEY_PREFIX goes inside the tag.
 */
export const queuePrefix = (keyPrefix = '') => `{${keyPrefix}${P}}`;
export const TURN_QUEUE = 'turns';
export const MAINTENANCE_QUEUE = 'maintenance';

/**
 * A session's control channel as published and subscribed on `redis`: ioredis prefixes keys
 * but not channels, so the connection's keyPrefix is added here and deployments sharing a Redis
 * share no channels.
 */
export function controlChannel(
  redis: { options: { keyPrefix?: string } },
  sessionId: string,
): string {
  return (redis.options.keyPrefix ?? '') + channels.control(sessionId);
}
