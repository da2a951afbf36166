import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { GatewayMetrics } from '@app/metrics';
import type { RedisClient } from '@app/redis';
import { SessionStore } from '@app/sessions';
import { LOCAL_TENANT } from '../auth/request-tenant';
import { RequestAborted } from '../mcp/request-body';
import { MCP_REDIS } from '../mcp/redis-token';
import type { ToolContext, ToolDefinition } from '../mcp/toolset';
import { SessionEventsOutput } from '../sessions/session.outputs';
import { ApiAuthenticator, type ApiCaller } from './api-auth';
import { ApiError, invalidArguments } from './api-error';
import { replyError, replyJson } from './api-reply';
import { ApiRouter, type BoundRoute, type EventsRoute } from './api-router';
import { API_PREFIX, OPENAPI_PATH } from './api-routes';
import { apiErrorOf, type RefusalHints } from './error-status';
import { openApiDocument } from './openapi-document';
import { OPERATOR_LIST_DEFAULT, OperatorScope } from './operator-scope';
import { requestJson } from './request-json';
import { SessionEventStream, type EventStreamOptions } from './session-event-stream';

/** Nest token: the tools /api/v1 serves (the same toolset recipe as /mcp's). */
export const HTTP_API_TOOLSET = Symbol('HTTP_API_TOOLSET');
/** Nest token: the event stream's heartbeat and retry (EventStreamOptions). */
export const HTTP_API_EVENTS = Symbol('HTTP_API_EVENTS');

/** What ToolContext.protocolVersion says of a call that came over /api/v1 (no MCP revision). */
const API_PROTOCOL = 'http-api/v1';
/** Events per read of the event stream (the tool's own cap is 1000). */
const STREAM_PAGE = 500;

/**
 * /api/v1: authenticates the tenant, finds the route, validates its arguments with its tool's
 * schema and answers with what the tool's handler returns (the MCP call's structuredContent);
 * refusals as `{ error: { code, message } }`. Owns the routing, like McpEndpoint owns /mcp.
 */
@Injectable()
export class ApiEndpoint implements BeforeApplicationShutdown {
  private readonly log = new Logger('HttpApi');
  private readonly router: ApiRouter;
  private readonly auth: ApiAuthenticator;
  private readonly hints: RefusalHints;
  private readonly document: Record<string, unknown>;
  private readonly operators: OperatorScope;
  /** Aborted when the gateway stops: its event streams end and their clients reconnect elsewhere. */
  private readonly stopping = new AbortController();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(HTTP_API_TOOLSET) toolset: ToolDefinition[],
    @Inject(HTTP_API_EVENTS) private readonly eventStream: EventStreamOptions,
    @Optional() @Inject(MCP_REDIS) redis?: RedisClient,
    @Optional() metrics?: GatewayMetrics,
    @Optional() sessions?: SessionStore,
  ) {
    this.router = new ApiRouter(toolset);
    this.hints = { sessionIdleMs: config.worker.sessionIdleMs };
    this.auth = new ApiAuthenticator(config, redis, this.log, this.hints, metrics);
    this.document = openApiDocument(this.router);
    const keyed = config.http.apiKeys.map((k) => k.tenant);
    this.operators = new OperatorScope(
      sessions,
      keyed.length > 0 ? [...new Set(keyed)] : [LOCAL_TENANT],
      config.admin.sessionsWritable,
    );
  }

  beforeApplicationShutdown(): void {
    this.stopping.abort();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.dispatch(req, res);
    } catch (error) {
      if (error instanceof RequestAborted) return; // no one left to answer
      const refusal = apiErrorOf(error, this.hints);
      if (refusal.status >= 500 && !(error instanceof ApiError)) {
        this.log.error(
          `${req.method} ${req.url?.split('?')[0]} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
      if (res.headersSent) return void res.end();
      replyError(res, refusal);
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const path = url.pathname.slice(API_PREFIX.length) || '/';
    const method = req.method ?? 'GET';
    if (path === OPENAPI_PATH) {
      if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
      return replyJson(res, 200, this.document);
    }
    const caller = await this.auth.callerOf(req);
    const match = this.router.find(method, path);
    if (!match) {
      throw new ApiError(
        404,
        'RouteNotFound',
        `No route ${method} ${API_PREFIX}${path}: ${API_PREFIX}${OPENAPI_PATH} lists them`,
      );
    }
    if (match.kind === 'method') throw methodNotAllowed(method, path, match.allow);
    if (
      caller.kind === 'operator' &&
      match.kind === 'tool' &&
      match.bound.route.tool === 'session_list'
    ) {
      return this.operatorList(match.bound, url, res);
    }
    const tenant = await this.tenantOf(caller, match.bound, match.values);
    if (match.kind === 'events')
      return this.stream(match.bound, match.values, url, req, res, tenant);
    return this.call(match.bound, match.values, url, req, res, tenant);
  }

  private tenantOf(
    caller: ApiCaller,
    bound: BoundRoute | EventsRoute,
    values: string[],
  ): Promise<string> | string {
    return caller.kind === 'tenant' ? caller.tenant : this.operators.tenantFor(bound, values);
  }

  /**
   * An operator's session list: `?tenant=` pages one tenant's as that tenant sees it; without
   * it, the newest sessions across every tenant with a key, each naming its tenant, and the
   * tenants listed (what the console's operator view picks from).
   */
  private async operatorList({ tool, binding }: BoundRoute, url: URL, res: ServerResponse) {
    const query = new URLSearchParams(url.searchParams);
    const one = query.get('tenant');
    query.delete('tenant');
    const args = binding.arguments([], query, undefined);
    const signal = requestSignal(res);
    const tenants = one === null ? this.operators.tenants : [one];
    const limit = typeof args.limit === 'number' ? args.limit : OPERATOR_LIST_DEFAULT;
    const pages = await Promise.all(
      tenants.map(async (tenant) => {
        const page = await tool.handler({ ...args, limit }, this.context(tenant, signal));
        const sessions = Array.isArray(page.sessions) ? (page.sessions as SessionItem[]) : [];
        return { tenant, next: page.next, sessions: sessions.map((s) => ({ ...s, tenant })) };
      }),
    );
    const sessions = pages
      .flatMap((p) => p.sessions)
      .sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)))
      .slice(0, limit);
    const next = one !== null ? pages[0]?.next : undefined;
    replyJson(res, 200, {
      sessions,
      ...(typeof next === 'string' ? { next } : {}),
      tenants: this.operators.tenants,
    });
  }

  private async call(
    { route, tool, binding }: BoundRoute,
    values: string[],
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
    tenant: string,
  ): Promise<void> {
    if (binding.source === 'body' && url.search !== '') {
      throw new ApiError(
        400,
        'InvalidArguments',
        `${route.method} ${API_PREFIX}${route.path} takes its arguments in the JSON body, not the query string`,
      );
    }
    const body = binding.source === 'body' ? await requestJson(req) : undefined;
    const args = binding.arguments(values, url.searchParams, body);
    // A waited call whose client goes away interrupts its turn, as over MCP: to let a turn run
    // on unwatched, send without wait and follow the event stream.
    const result = await tool.handler(args, this.context(tenant, requestSignal(res)));
    const status = route.queued && result.status === 'queued' ? route.queued : route.status;
    const location = route.location?.(result);
    replyJson(res, status, result, location ? { Location: location } : {});
  }

  private async stream(
    { tool, binding }: EventsRoute,
    values: string[],
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
    tenant: string,
  ): Promise<void> {
    const args = binding.arguments(values, url.searchParams, undefined);
    const lastEventId = req.headers['last-event-id'];
    let after = typeof args.after === 'string' ? args.after : undefined;
    if (typeof lastEventId === 'string') {
      // A reconnect knows better than the URL it reuses; checked by the same schema as `after`.
      const parsed = binding.rest.safeParse({ after: lastEventId });
      if (!parsed.success) throw invalidArguments('Last-Event-ID header', parsed.error);
      after = lastEventId;
    }
    const signal = AbortSignal.any([requestSignal(res), this.stopping.signal]);
    const stream = new SessionEventStream(
      async (cursor, waitMs, readSignal) =>
        SessionEventsOutput.parse(
          await tool.handler(
            { sessionId: args.sessionId, after: cursor, limit: STREAM_PAGE, waitMs },
            this.context(tenant, readSignal),
          ),
        ),
      this.eventStream,
      this.log,
    );
    await stream.serve(res, after, signal);
  }

  private context(tenant: string, signal: AbortSignal): ToolContext {
    return { tenant, protocolVersion: API_PROTOCOL, signal };
  }
}

type SessionItem = Record<string, unknown> & { createdAt?: unknown };

/** Aborts when the client goes away before its answer was written. */
function requestSignal(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

function methodNotAllowed(method: string, path: string, allow: string[]): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    `${API_PREFIX}${path} does not take ${method}: it takes ${allow.join(', ')}`,
    { headers: { Allow: allow.join(', ') } },
  );
}
