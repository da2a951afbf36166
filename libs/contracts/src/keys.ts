/*
 * Every Redis key and pub/sub channel name of the system, in one table. Everything about one
 * session shares the hash tag `{<id>}`, so the Lua scripts that touch a session's hash, stream
 * and lease together also run on Redis Cluster.
 */
const P = 'csb';

export const keys = {
  /** Hash: the session record. */
  session: (sessionId: string) => `${P}:{${sessionId}}:session`,
  /** Stream: the session's events. */
  events: (sessionId: string) => `${P}:{${sessionId}}:events`,
  /** String with TTL: which worker holds the session's CLI process. */
  lease: (sessionId: string) => `${P}:{${sessionId}}:lease`,
  /** Hash: permission prompts waiting for the client, requestId → PendingApproval JSON. */
  approvals: (sessionId: string) => `${P}:{${sessionId}}:approvals`,
  /** Hash with TTL: the first answer to each prompt, requestId → ApprovalAnswer JSON. */
  approvalAnswers: (sessionId: string) => `${P}:{${sessionId}}:approval-answers`,
  /** Set: signatures (tool + input) the client allowed for the rest of the session. */
  sessionAllowed: (sessionId: string) => `${P}:{${sessionId}}:allowed`,
  /** Sorted set (score: createdAt): a tenant's session ids. */
  tenantSessions: (tenant: string) => `${P}:tenant:{${tenant}}:sessions`,
  /**
   * Sorted set (score: admission time, µs of Redis TIME): the tenant's live session ids, for
   * maxSessions. Same hash tag as `tenantQueuedTurns`: one script admits into both.
   */
  tenantLiveSessions: (tenant: string) => `${P}:tenant:{${tenant}}:live`,
  /** Sorted set (score: admission time, µs): the tenant's turns queued and not yet taken. */
  tenantQueuedTurns: (tenant: string) => `${P}:tenant:{${tenant}}:queued-turns`,
  /** String with TTL (rate-limiter-flexible): the tenant's requests in the current minute. */
  tenantRequests: (tenant: string) => `${P}:tenant:{${tenant}}:requests`,
  /**
   * Stream (id: when the turn ended), trimmed by age: one entry per finished turn of the tenant,
   * its tokens and cost (libs/usage). Same hash tag as `tenantDaySpend`: one script writes both.
   */
  tenantUsage: (tenant: string) => `${P}:tenant:{${tenant}}:usage`,
  /** String (USD) with TTL: what the tenant spent in one UTC day (`2026-12-06`), for its budget. */
  tenantDaySpend: (tenant: string, day: string) => `${P}:tenant:{${tenant}}:spend:${day}`,
  /** Hash: the tenant's own webhook (webhook_set): url, secret, events, enabled, webhookId. */
  tenantWebhook: (tenant: string) => `${P}:tenant:{${tenant}}:webhook`,
  /** List, newest first, capped: the tenant's webhook delivery attempts (webhook_deliveries). */
  tenantWebhookDeliveries: (tenant: string) => `${P}:tenant:{${tenant}}:webhook-deliveries`,
  /** Hash with TTL: an MCP (transport) session, so any gateway replica can serve it. */
  mcpSession: (mcpSessionId: string) => `${P}:mcp:{${mcpSessionId}}`,
  /** Stream with TTL: SSE messages of one MCP stream, for Last-Event-ID replay. */
  mcpStream: (mcpSessionId: string, streamId: string) =>
    `${P}:mcp:{${mcpSessionId}}:sse:${streamId}`,
  /** String with TTL: a cancellation that reached a replica before the call it cancels. */
  mcpCancelled: (mcpSessionId: string, requestId: string | number) =>
    `${P}:mcp:{${mcpSessionId}}:cancelled:${JSON.stringify(requestId)}`,
  /** Hash with TTL: a task of the MCP tasks extension (a turn run as a task), any replica reads it. */
  mcpTask: (taskId: string) => `${P}:task:{${taskId}}`,
} as const;

/**
 * Pub/sub channels. ioredis prefixes keys but not channels: publish and subscribe through
 * `channelOf`, which adds the connection's keyPrefix, so deployments sharing a Redis share no
 * channels either.
 */
export const channels = {
  /** Each appended batch of a session's events (or, when large, its last id), for relays. */
  events: (sessionId: string) => `${P}:{${sessionId}}:notify`,
  /**
   * Interrupt / terminate / release / answered requests, each naming its session, for the worker
   * that holds it: one channel for all sessions (every worker listens; see SessionControl).
   */
  control: () => `${P}:control`,
  /**
   * Messages of an MCP session for whichever gateway replica runs the call they concern: the
   * client's `notifications/cancelled` and its answers to the call's `elicitation/create`.
   */
  mcpCalls: () => `${P}:mcp:calls`,
} as const;

/** `channel` as published and subscribed on `redis` (its keyPrefix added, see `channels`). */
export function channelOf(redis: { options: { keyPrefix?: string } }, channel: string): string {
  return (redis.options.keyPrefix ?? '') + channel;
}

/**
 * BullMQ prefix: a hash tag keeps all of a queue's keys in one Cluster slot. BullMQ cannot use
 * ioredis' keyPrefix, so a deployment's REDIS_KEY_PREFIX goes inside the tag.
 */
export const queuePrefix = (keyPrefix = '') => `{${keyPrefix}${P}}`;
export const TURN_QUEUE = 'turns';
export const MAINTENANCE_QUEUE = 'maintenance';
/** Status changes on their way to tenants' webhook endpoints (libs/webhooks). */
export const WEBHOOK_QUEUE = 'webhooks';
