/**
 * The stack /api/v1 is tested on: a private Redis, an S3-protocol server for checkpoints, the
 * Messages API stub behind the real CLI, a worker and two gateways; an HTTP client of the API
 * with three tenants (initech with small quotas), and the OpenAPI document the gateway serves.
 */
import { discoverClaudeBinary } from '@app/claude';
import { eventually } from '@app/testing/eventually';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { startTestRedis, startTestS3 } from '@app/testing/services';
import { HttpApiClient, type EventFeed } from './http-api-client';
import { startSystem, TENANT_KEYS, type RunningSystem } from './system';

export interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<string, { operationId: string; parameters?: Array<{ name: string; in: string }> }>
  >;
}

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    issues?: Array<{ path: unknown[] }>;
    quota?: Record<string, unknown>;
  };
}

export interface Turn {
  sessionId: string;
  status: string;
  turn?: number;
  events?: string;
  result?: { result?: string };
  pending?: { requestId: string; tool: string };
}

export const EVENTS = '/sessions/{sessionId}/events';

const KEYS = { ...TENANT_KEYS, initech: 'initech-key-0123456789abcdef' };
/** An operator's key (ADMIN_API_KEYS): the client sends it as "tenant" `operator`. */
const OPERATOR_KEY = 'operator-key-0123456789abcdef';

export interface ApiStack {
  stub: MessagesStub;
  system: RunningSystem;
  api: HttpApiClient;
  document: OpenApi;
  /** The session's status, read over the API as acme. */
  statusOf(sessionId: string): Promise<string>;
  /** Until the session reads `status` (default idle). */
  settled(sessionId: string, status?: string): Promise<void>;
  eventsUrl(sessionId: string, gateway?: number, query?: Record<string, string>): string;
  close(): Promise<void>;
}

export async function startApiStack(): Promise<ApiStack> {
  const [redis, s3, stub] = await Promise.all([
    startTestRedis({ label: 'http-api' }),
    startTestS3({ label: 'http-api' }),
    startMessagesStub(),
  ]);
  const system = await startSystem({
    redisUrl: redis.url,
    keyPrefix: redis.keyPrefix,
    env: {
      ...s3.env(),
      CLAUDE_BIN: discoverClaudeBinary({ path: '' }),
      ANTHROPIC_BASE_URL: stub.url,
      ANTHROPIC_API_KEY: 'test-key',
      SESSION_IDLE_MS: '60000',
      MCP_API_KEYS: Object.entries(KEYS)
        .map(([tenant, key]) => `${tenant}:${key}`)
        .join(','),
      TENANT_LIMITS: JSON.stringify({ initech: { maxSessions: 1, requestsPerMinute: 4 } }),
      ADMIN_API_KEYS: OPERATOR_KEY,
    },
  });
  await system.addGateway();
  const api = new HttpApiClient(() => system.urls, { ...KEYS, operator: OPERATOR_KEY });
  const document = (await api.call<OpenApi>('GET', '/openapi.json', { tenant: null })).body;
  const statusOf = async (sessionId: string) =>
    (await api.call<{ status: string }>('GET', '/sessions/{sessionId}', { params: { sessionId } }))
      .body.status;
  return {
    stub,
    system,
    api,
    document,
    statusOf,
    settled: (sessionId, status = 'idle') =>
      eventually(
        `session ${sessionId} ${status}`,
        async () => (await statusOf(sessionId)) === status,
        { timeoutMs: 30_000, intervalMs: 50 },
      ),
    eventsUrl: (sessionId, gateway = 0, query = {}) =>
      api.url(EVENTS, { gateway, params: { sessionId }, query }),
    close: async () => {
      await system.close();
      await Promise.allSettled([stub.close(), redis.close(), s3.close()]);
    },
  };
}

/** A scripted model reply that runs a Bash command. */
export function bash(command: string) {
  return { toolUse: { name: 'Bash', input: { command, description: 'http api test' } } };
}

/** Until `check` holds for the feed (events arrive on the EventSource's own schedule). */
export function until(feed: EventFeed, what: string, check: (feed: EventFeed) => boolean) {
  return eventually(what, () => check(feed), 30_000);
}
