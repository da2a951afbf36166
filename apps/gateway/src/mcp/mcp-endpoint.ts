import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import {
  createMcpHandler,
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  isLegacyRequest,
  type McpHttpHandler,
  type McpRequestContext,
  type Server,
} from '@modelcontextprotocol/server';
import { isRedisUnavailable, type RedisClient } from '@app/redis';
import { ApprovalService } from '../sessions/approval.service';
import { tenantOf } from '../auth/request-tenant';
import {
  jsonRpcErrorBody,
  JsonRpcCode,
  messagesOf,
  negotiatedProtocolVersion,
  replyJsonRpcError,
} from './json-rpc';
import { serveLegacyPost } from './legacy-exchange';
import { LegacySessions, type ParsedPost } from './legacy-sessions';
import {
  MCP_BODY_DEADLINE_MS,
  MCP_MAX_BATCH_MESSAGES,
  MCP_MAX_BODY_BYTES,
  MCP_REFUSED_BODY_DRAIN_MS,
} from './limits';
import { InputRounds } from './input-rounds';
import { MCP_REDIS } from './redis-token';
import { drained, readJsonBody, RequestAborted } from './request-body';
import { buildServer, type TaskSupport } from './server-factory';
import type { CallEnvironment } from './tool-calls';
import { MCP_TASKS } from './task-token';
import { MCP_TOOLSET, type ToolDefinition } from './toolset';
import {
  disconnectSignal,
  headerOf,
  webRequestOf,
  whenWritable,
  writeWebResponse,
} from './web-bridge';

/** The per-request revision (no initialize, no MCP session, `_meta` envelope on every request). */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/**
 * Serves /mcp in both protocol eras, on any replica:
 * - 2026-07-28 (a request with the `_meta` envelope): the SDK's createMcpHandler, a fresh server
 *   per request; nothing is kept between requests.
 * - 2025-11-25 and older: `initialize` opens an MCP session of ours (McpSessionStore, Redis), any
 *   replica serves its later requests; each request runs on a fresh server over the SDK's
 *   transport in stateless mode, with a Redis event store for Last-Event-ID resumption. A client
 *   with neither is served statelessly.
 */
@Injectable()
export class McpEndpoint implements BeforeApplicationShutdown {
  private readonly log = new Logger('McpEndpoint');
  /** The environment of each modern request, found again by the server factory. */
  private readonly envs = new WeakMap<Request, CallEnvironment>();
  private readonly modern: McpHttpHandler;
  /** Prompts of waited 2026-07-28 calls as input-required rounds (with the session tools). */
  private readonly inputRounds?: InputRounds;

  constructor(
    @Inject(MCP_TOOLSET) private readonly tools: ToolDefinition[],
    private readonly sessions: LegacySessions,
    @Inject(MCP_REDIS) redis: RedisClient,
    @Optional() @Inject(MCP_TASKS) private readonly tasks?: TaskSupport,
    @Optional() approvals?: ApprovalService,
  ) {
    if (approvals) {
      this.inputRounds = new InputRounds(
        redis,
        (tenant) => (args) => approvals.respond(args, tenant),
      );
    }
    this.modern = createMcpHandler((ctx) => this.modernServer(ctx), {
      legacy: 'reject',
      onerror: (error) => this.log.debug(`MCP: ${error.message}`),
    });
  }

  post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.guarded(res, () => this.servePost(req, res));
  }

  get(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.guarded(res, () => this.sessions.get(req, res));
  }

  delete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.guarded(res, () => this.sessions.delete(req, res));
  }

  /** A stopping gateway ends its resumed streams cleanly: their clients resume elsewhere. */
  async beforeApplicationShutdown(): Promise<void> {
    this.sessions.endResumedStreams();
    await this.modern.close();
  }

  private async servePost(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tenant = tenantOf(req);
    const read = await readJsonBody(req, {
      maxBytes: MCP_MAX_BODY_BYTES,
      deadlineMs: MCP_BODY_DEADLINE_MS,
    });
    if (!read.ok) {
      if (read.status === 413) return refuseOversize(req, res, read.code, read.message);
      const headers: Record<string, string> = read.status === 408 ? { Connection: 'close' } : {};
      return replyJsonRpcError(res, read.status, read.code, read.message, headers);
    }
    // The SDK refuses a batch over its cap too, but only after this endpoint has looked at every
    // message (an initialize? which request ids?): a 4 MB body of a million `{}` cost seconds of CPU.
    if (Array.isArray(read.body) && read.body.length > MCP_MAX_BATCH_MESSAGES) {
      return replyJsonRpcError(
        res,
        400,
        JsonRpcCode.invalidRequest,
        `Invalid Request: Batch must not exceed ${MCP_MAX_BATCH_MESSAGES} messages`,
      );
    }
    const request = webRequestOf(req, disconnectSignal(res));
    const post: ParsedPost = {
      req,
      res,
      tenant,
      body: read.body,
      messages: messagesOf(read.body),
      request,
    };
    const sessionId = headerOf(req, 'mcp-session-id');
    if (sessionId !== undefined) {
      this.logRequest('2025-11-25 (MCP session)', post);
      return this.sessions.post(post, sessionId);
    }
    const initializeVersion = negotiatedProtocolVersion(post.messages);
    if (initializeVersion !== undefined) {
      this.logRequest(`${initializeVersion} (initialize)`, post);
      return this.sessions.initialize(post, initializeVersion);
    }
    if (await isLegacyRequest(request, read.body)) {
      this.logRequest('2025 era (no MCP session)', post);
      return this.postStateless(post);
    }
    this.logRequest(MODERN_PROTOCOL_VERSION, post);
    return this.postModern(post);
  }

  /** Which era served what, for whom: what an operator asks first when a client misbehaves. */
  private logRequest(era: string, post: ParsedPost): void {
    const methods = post.messages.map((m) =>
      typeof m === 'object' && m !== null && 'method' in m ? String(m.method) : 'response',
    );
    this.log.debug(`MCP ${era}: ${methods.join(', ')} (tenant ${post.tenant})`);
  }

  /** A 2026-07-28 request: the SDK serves it per request, with the tasks extension on offer. */
  private async postModern(post: ParsedPost): Promise<void> {
    this.envs.set(post.request, {
      tenant: post.tenant,
      protocolVersion: MODERN_PROTOCOL_VERSION,
      writable: () => whenWritable(post.res),
      ...(this.inputRounds ? { inputRounds: this.inputRounds } : {}),
    });
    const response = await this.modern.fetch(post.request, { parsedBody: post.body });
    await writeWebResponse(post.res, response);
  }

  private modernServer(ctx: McpRequestContext): Server {
    const env = ctx.requestInfo && this.envs.get(ctx.requestInfo);
    if (!env)
      throw new Error(
        'a modern MCP request reached the server factory without its call environment',
      );
    return buildServer(this.tools, env, 'modern', this.tasks);
  }

  /** A 2025-era request without initialize or MCP session: nothing is kept between requests. */
  private async postStateless(post: ParsedPost): Promise<void> {
    const env: CallEnvironment = {
      tenant: post.tenant,
      protocolVersion:
        headerOf(post.req, 'mcp-protocol-version') ?? DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
      writable: () => whenWritable(post.res),
    };
    await serveLegacyPost(buildServer(this.tools, env, 'legacy'), {
      request: post.request,
      res: post.res,
      body: post.body,
      cancelOnDisconnect: true,
    });
  }

  /** Turns a failure outside the SDK (Redis unreachable, client gone) into an answer and a log line. */
  private async guarded(res: ServerResponse, serve: () => Promise<void>): Promise<void> {
    try {
      await serve();
    } catch (error) {
      if (error instanceof RequestAborted) return;
      const outage = isRedisUnavailable(error);
      if (outage) this.log.warn(`MCP request refused, Redis unavailable: ${String(error)}`);
      else {
        this.log.error(
          `MCP request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
      if (res.headersSent) return void res.end();
      const detail = outage
        ? 'Redis, which holds the sessions, is not answering'
        : error instanceof Error
          ? error.message
          : String(error);
      replyJsonRpcError(
        res,
        503,
        JsonRpcCode.serverError,
        `Service Unavailable: the gateway could not serve this request (${detail}); retry shortly`,
        {
          'Retry-After': '1',
        },
      );
    }
  }
}

/**
 * 413 at once, but the exchange ends only once the body still arriving has been read away (or
 * the grace passed): Node closes a `Connection: close` exchange as soon as it ends, and a close
 * while the client still sends resets the connection, taking the answer with it.
 */
async function refuseOversize(
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  message: string,
): Promise<void> {
  const body = jsonRpcErrorBody(code, message);
  res.writeHead(413, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.write(body);
  await drained(req, MCP_REFUSED_BODY_DRAIN_MS);
  if (!res.destroyed) res.end();
}
