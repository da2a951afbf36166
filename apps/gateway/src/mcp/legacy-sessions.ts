import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/server';
import type { RedisClient } from '@app/redis';
import { tenantOf } from '../auth/request-tenant';
import { ApprovalService } from '../sessions/approval.service';
import { elicitingAsker } from './approval-elicitation';
import { AnswerableTransport } from './answerable-transport';
import { CallRelay } from './call-relay';
import {
  cancellationsIn,
  declaresFormElicitation,
  JsonRpcCode,
  negotiatedProtocolVersion,
  replyJsonRpcError,
} from './json-rpc';
import { serveLegacyPost } from './legacy-exchange';
import { McpSessionStore } from './mcp-session-store';
import { RedisEventStore } from './redis-event-store';
import { MCP_REDIS } from './redis-token';
import { ResponseStream } from './response-stream';
import { resumeStream } from './resume-stream';
import { buildServer } from './server-factory';
import type { CallEnvironment } from './tool-calls';
import { MCP_TOOLSET, type ToolDefinition } from './toolset';
import { headerOf, whenWritable } from './web-bridge';

/** The first protocol revision whose clients can resume a stream (the SDK primes streams from it). */
const RESUMABLE_SINCE = '2025-11-25';

/** A POST whose body has been read and parsed. */
export interface ParsedPost {
  req: IncomingMessage;
  res: ServerResponse;
  tenant: string;
  body: unknown;
  messages: unknown[];
  request: Request;
}

/**
 * MCP sessions of 2025-era clients, kept by this gateway rather than the SDK (whose transport
 * runs stateless here): `initialize` stores one in Redis and names it in `Mcp-Session-Id`; any
 * replica serves its later requests, relays its cancellations and its answers to elicitations to
 * the replica running the call, resumes its streams (Last-Event-ID) and ends it (DELETE). Another
 * tenant's id is "not found".
 */
@Injectable()
export class LegacySessions {
  private readonly log = new Logger('McpSessions');
  /** Resumed streams that follow another replica's call: ended when this gateway stops. */
  private readonly resumed = new Set<ServerResponse>();

  constructor(
    @Inject(MCP_TOOLSET) private readonly tools: ToolDefinition[],
    @Inject(MCP_REDIS) private readonly redis: RedisClient,
    private readonly sessions: McpSessionStore,
    private readonly calls: CallRelay,
    /** Present with the session tools: prompts are then put to clients that can elicit. */
    @Optional() private readonly approvals?: ApprovalService,
  ) {}

  /** A stopping gateway ends its resumed streams cleanly: their clients resume elsewhere. */
  endResumedStreams(): void {
    for (const res of this.resumed) res.end();
  }

  /** A request of an existing MCP session, whichever replica issued it. */
  async post(post: ParsedPost, sessionId: string): Promise<void> {
    const record = await this.sessions.find(sessionId, post.tenant);
    if (!record) return sessionNotFound(post.res);
    if (negotiatedProtocolVersion(post.messages) !== undefined) {
      return replyJsonRpcError(
        post.res,
        400,
        JsonRpcCode.invalidRequest,
        'Invalid Request: this MCP session is initialized already; initialize without Mcp-Session-Id for a new one',
      );
    }
    for (const { requestId, reason } of cancellationsIn(post.messages)) {
      await this.calls.cancel(sessionId, requestId, reason);
    }
    await this.calls.deliverReplies(sessionId, post.messages);
    const version = headerOf(post.req, 'mcp-protocol-version') ?? record.protocolVersion;
    // A relay's notifications are derived, not stored: only where the stream is one call's.
    const stream = new ResponseStream(post.res, requestsIn(post.messages) === 1);
    const eventStore = new RedisEventStore(this.redis, {
      mcpSessionId: sessionId,
      tenant: post.tenant,
      live: stream,
    });
    const relayProgress: CallEnvironment['relayProgress'] = (token, sentBefore, plan) =>
      stream.openRelay(eventStore, token, sentBefore, plan);
    const server = this.sessionServer(sessionId, post, version, record.elicitsForms, relayProgress);
    await serveLegacyPost(server, {
      request: post.request,
      res: post.res,
      body: post.body,
      eventStore,
      sessionId,
      cancelOnDisconnect: version < RESUMABLE_SINCE,
      wrapTransport: (transport) =>
        new AnswerableTransport(transport, this.calls.replyRoute(sessionId)),
      stream,
    });
  }

  async initialize(post: ParsedPost, protocolVersion: string): Promise<void> {
    const id = randomUUID();
    // Stored before the SDK answers, so the id it hands out works on every replica at once.
    await this.sessions.create({
      id,
      tenant: post.tenant,
      protocolVersion,
      createdAt: Date.now(),
      elicitsForms: declaresFormElicitation(post.messages),
    });
    let status = 0;
    try {
      status = await serveLegacyPost(this.sessionServer(id, post, protocolVersion), {
        request: post.request,
        res: post.res,
        body: post.body,
        eventStore: this.eventStore(id, post.tenant),
        sessionId: id,
        cancelOnDisconnect: protocolVersion < RESUMABLE_SINCE,
      });
    } finally {
      // The SDK refused the initialize (a wrong Accept, inside a batch...): a refused request
      // leaves no session behind.
      if (status !== 200) await this.forgetSession(id);
    }
  }

  private sessionServer(
    mcpSessionId: string,
    post: ParsedPost,
    protocolVersion: string,
    elicitsForms = false,
    relayProgress?: CallEnvironment['relayProgress'],
  ): Server {
    const approvals = this.approvals;
    return buildServer(
      this.tools,
      {
        tenant: post.tenant,
        protocolVersion,
        trackCall: (requestId) => this.calls.track(mcpSessionId, requestId),
        writable: () => whenWritable(post.res),
        ...(relayProgress ? { relayProgress } : {}),
        // Only where the client can answer: others get `waiting` and answer with session_respond.
        ...(elicitsForms && approvals
          ? {
              askApprovals: (ctx) =>
                elicitingAsker(ctx, (args) => approvals.respond(args, post.tenant)),
            }
          : {}),
      },
      'legacy',
    );
  }

  private async forgetSession(id: string): Promise<void> {
    try {
      await this.sessions.end(id);
    } catch (error) {
      this.log.warn(`could not remove refused MCP session ${id} (it expires): ${String(error)}`);
    }
  }

  /** GET only resumes a stream (Last-Event-ID): this server sends nothing outside responses. */
  async get(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    this.resumed.add(res);
    res.once('close', () => this.resumed.delete(res));
    await resumeStream(this.redis, { mcpSessionId: sessionId, tenant }, lastEventId, res);
  }

  async delete(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    await this.sessions.end(sessionId);
    res.writeHead(200).end();
  }

  private eventStore(mcpSessionId: string, tenant: string): RedisEventStore {
    return new RedisEventStore(this.redis, { mcpSessionId, tenant });
  }
}

/** JSON-RPC requests in a POST body (notifications and answers get no response stream). */
function requestsIn(messages: unknown[]): number {
  return messages.filter((m) => typeof m === 'object' && m !== null && 'method' in m && 'id' in m)
    .length;
}

function sessionNotFound(res: ServerResponse): void {
  replyJsonRpcError(
    res,
    404,
    JsonRpcCode.sessionNotFound,
    'Session not found: this MCP session ended or never existed for this API key; initialize a new one',
  );
}
