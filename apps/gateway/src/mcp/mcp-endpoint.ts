import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { isRedisUnavailable, type RedisClient } from '@app/redis';
import { tenantOf } from '../auth/request-tenant';
import { CancellationRelay } from './cancellation-relay';
import {
  cancellationsIn,
  jsonRpcErrorBody,
  JsonRpcCode,
  messagesOf,
  negotiatedProtocolVersion,
  replyJsonRpcError,
  requestIdsOf,
} from './json-rpc';
import { MCP_BODY_DEADLINE_MS, MCP_MAX_BODY_BYTES, MCP_REFUSED_BODY_DRAIN_MS } from './limits';
import { buildServer, serveExchange } from './mcp-exchange';
import { McpSessionStore } from './mcp-session-store';
import { RedisEventStore } from './redis-event-store';
import type { CallEnvironment } from './tool-calls';
import { MCP_REDIS } from './redis-token';
import { drained, readJsonBody, RequestAborted } from './request-body';
import { MCP_TOOLSET, type ToolDefinition } from './toolset';
import { initializingTransport, sessionTransport, statelessTransport } from './transports';

/** The first protocol revision whose clients can resume a stream (the SDK primes streams from it). */
const RESUMABLE_SINCE = '2025-11-25';

type BodyCarrier = IncomingMessage & { rawBody?: Buffer };

/** A POST whose body has been read and parsed. */
interface ParsedPost {
  req: IncomingMessage;
  res: ServerResponse;
  tenant: string;
  body: unknown;
  messages: unknown[];
}

/**
 * Serves /mcp: picks the kind of transport a request needs (initialize → new MCP session, with
 * Mcp-Session-Id → that session from Redis, neither → stateless) and runs it.
 */
@Injectable()
export class McpEndpoint implements BeforeApplicationShutdown {
  private readonly log = new Logger('McpEndpoint');
  /** Resumed streams that follow another replica's call: ended when this gateway stops. */
  private readonly resumed = new Set<{ close(): Promise<void> }>();

  constructor(
    @Inject(MCP_TOOLSET) private readonly tools: ToolDefinition[],
    @Inject(MCP_REDIS) private readonly redis: RedisClient,
    private readonly sessions: McpSessionStore,
    private readonly cancellations: CancellationRelay,
  ) {}

  post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.guarded(res, () => this.servePost(req, res));
  }

  get(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.guarded(res, () => this.serveGet(req, res));
  }

  delete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.guarded(res, () => this.serveDelete(req, res));
  }

  /** A stopping gateway ends its resumed streams cleanly: their clients resume elsewhere. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.resumed].map((transport) => transport.close()));
  }

  private async servePost(req: BodyCarrier, res: ServerResponse): Promise<void> {
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
    if (Array.isArray(read.body) && read.body.length > MAX_BATCH_SIZE) {
      return replyJsonRpcError(
        res,
        400,
        JsonRpcCode.invalidRequest,
        `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`,
      );
    }
    // The stream is consumed: hand the SDK's request adapter the bytes instead of the spent stream.
    req.rawBody = read.raw;
    const post: ParsedPost = { req, res, tenant, body: read.body, messages: messagesOf(read.body) };
    const sessionId = headerOf(req, 'mcp-session-id');
    if (sessionId !== undefined) return this.postToSession(post, sessionId);
    const initializeVersion = negotiatedProtocolVersion(post.messages);
    if (initializeVersion !== undefined) return this.initializeSession(post, initializeVersion);
    const env = { tenant, writable: () => whenWritable(res) };
    return serveExchange(buildServer(this.tools, env), statelessTransport(), req, res, {
      body: post.body,
      requestIds: requestIdsOf(post.messages),
      cancelOnDisconnect: true,
    });
  }

  /** A request of an existing MCP session, whichever replica issued it. */
  private async postToSession(post: ParsedPost, sessionId: string): Promise<void> {
    const record = await this.sessions.find(sessionId, post.tenant);
    if (!record) return sessionNotFound(post.res);
    for (const { requestId, reason } of cancellationsIn(post.messages)) {
      await this.cancellations.cancel(sessionId, requestId, reason);
    }
    const version = headerOf(post.req, 'mcp-protocol-version') ?? record.protocolVersion;
    const transport = sessionTransport(sessionId, {
      eventStore: this.eventStore(sessionId, post.tenant),
    });
    const server = buildServer(this.tools, this.statefulCalls(sessionId, post.tenant, post.res));
    return serveExchange(server, transport, post.req, post.res, {
      body: post.body,
      requestIds: requestIdsOf(post.messages),
      cancelOnDisconnect: version < RESUMABLE_SINCE,
    });
  }

  private async initializeSession(post: ParsedPost, protocolVersion: string): Promise<void> {
    const id = randomUUID();
    // Stored before the SDK answers, so the id it hands out works on every replica at once.
    await this.sessions.create({ id, tenant: post.tenant, protocolVersion, createdAt: Date.now() });
    const transport = initializingTransport(id, this.eventStore(id, post.tenant));
    const server = buildServer(this.tools, this.statefulCalls(id, post.tenant, post.res));
    try {
      await serveExchange(server, transport, post.req, post.res, {
        body: post.body,
        requestIds: requestIdsOf(post.messages),
        cancelOnDisconnect: protocolVersion < RESUMABLE_SINCE,
      });
    } finally {
      // The SDK refused the initialize (a wrong Accept, inside a batch...) and handed out no id:
      // a refused request leaves no session behind.
      if (transport.sessionId === undefined) await this.forgetSession(id);
    }
  }

  private async forgetSession(id: string): Promise<void> {
    try {
      await this.sessions.end(id);
    } catch (error) {
      this.log.warn(`could not remove refused MCP session ${id} (it expires): ${String(error)}`);
    }
  }

  /** GET only resumes a stream (Last-Event-ID): this server sends nothing outside responses. */
  private async serveGet(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tenant = tenantOf(req);
    const sessionId = headerOf(req, 'mcp-session-id');
    if (sessionId !== undefined && !(await this.sessions.find(sessionId, tenant))) {
      return sessionNotFound(res);
    }
    const lastEventId = headerOf(req, 'last-event-id');
    if (sessionId === undefined || lastEventId === undefined) {
      return replyJsonRpcError(
        res,
        405,
        JsonRpcCode.serverError,
        'Method Not Allowed: GET /mcp only resumes a stream (Mcp-Session-Id and Last-Event-ID); this server sends no messages outside responses',
        { Allow: 'GET, POST, DELETE' },
      );
    }
    const closed = new AbortController();
    res.once('close', () => closed.abort());
    const transport = sessionTransport(sessionId, {
      eventStore: new RedisEventStore(this.redis, {
        mcpSessionId: sessionId,
        tenant,
        closed: closed.signal,
        onStreamComplete: () => void transport.close(),
      }),
    });
    transport.onerror = (error) =>
      this.log.debug(`resume of MCP session ${sessionId}: ${error.message}`);
    this.resumed.add(transport);
    try {
      await transport.handleRequest(req, res);
    } finally {
      this.resumed.delete(transport);
      await transport.close();
    }
  }

  private async serveDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tenant = tenantOf(req);
    const sessionId = headerOf(req, 'mcp-session-id');
    if (sessionId === undefined) {
      return replyJsonRpcError(
        res,
        400,
        JsonRpcCode.serverError,
        'Bad Request: DELETE /mcp needs the Mcp-Session-Id header of the session to end',
      );
    }
    if (!(await this.sessions.find(sessionId, tenant))) return sessionNotFound(res);
    const transport = sessionTransport(sessionId, { onClosed: (id) => this.sessions.end(id) });
    try {
      await transport.handleRequest(req, res);
    } finally {
      await transport.close();
    }
  }

  private eventStore(mcpSessionId: string, tenant: string): RedisEventStore {
    return new RedisEventStore(this.redis, { mcpSessionId, tenant });
  }

  private statefulCalls(
    mcpSessionId: string,
    tenant: string,
    res: ServerResponse,
  ): CallEnvironment {
    return {
      tenant,
      trackCall: (requestId) => this.cancellations.track(mcpSessionId, requestId),
      writable: () => whenWritable(res),
    };
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

function sessionNotFound(res: ServerResponse): void {
  replyJsonRpcError(
    res,
    404,
    JsonRpcCode.sessionNotFound,
    'Session not found: this MCP session ended or never existed for this API key; initialize a new one',
  );
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Resolves once the response has room again (or is gone): how a call streaming progress to a
 * slow client holds back instead of piling its messages up in this process. The SDK queues what
 * it sends in a web stream piped into the response, so the response's own back-pressure (its
 * socket did not take the last write) is the signal; what the call does not read meanwhile
 * stays in the session's stream (trimmed by policy: a gap event says so).
 */
function whenWritable(res: ServerResponse): Promise<void> {
  if (!res.writableNeedDrain || res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
