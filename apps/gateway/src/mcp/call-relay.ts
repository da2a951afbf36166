import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { duplicateConnection, type RedisClient } from '@app/redis';
import {
  isJSONRPCResponse,
  type JSONRPCResponse,
  type RequestId,
} from '@modelcontextprotocol/server';
import { channelOf, channels, keys } from '@app/contracts';
import type { ReplyRoute } from './answerable-transport';
import { execAll } from './redis-batch';
import { MCP_REDIS } from './redis-token';

/** A call starts within moments of its request; a marker older than this concerns no call. */
const CANCELLED_MARKER_TTL_SECONDS = 60;

/**
 * One channel for all replicas: these messages are rare (a cancellation, a form's answer), and
 * every replica must hear the ones for the calls it runs, whichever replica the client reached.
 */
function callsChannel(redis: RedisClient): string {
  return channelOf(redis, channels.mcpCalls());
}

/** A client's answer (result or error) to a request a call sent it. */
export type Reply = JSONRPCResponse & { id: RequestId };

/** What a replica tells the others on the channel. */
type Relayed =
  | { kind: 'cancel'; mcpSessionId: string; requestId: RequestId; reason?: string }
  | { kind: 'reply'; mcpSessionId: string; reply: Reply };

/** A running call's cancellation signal; release() once the call is over. */
export interface TrackedCall {
  signal: AbortSignal;
  release(): void;
}

/**
 * Carries to a running call the messages of its MCP session that arrive on other requests: the
 * client's `notifications/cancelled`, and its answers to what the call asked (`elicitation/create`
 * of a waited call). With a transport per HTTP request, these always arrive on another request
 * than the call, and in a fleet often on another replica, so the SDK's own in-process handling
 * never sees them. A message is only ever handed to a call of the MCP session it came in (whose
 * tenant the session store checked).
 */
@Injectable()
export class CallRelay implements OnApplicationShutdown {
  private readonly log = new Logger('CallRelay');
  private readonly calls = new Map<string, AbortController>();
  /** The requests this replica's calls sent, each waiting for the client's answer. */
  private readonly asked = new Map<string, (reply: Reply) => void>();
  private subscriber?: RedisClient;
  private subscribed?: Promise<unknown>;

  constructor(@Inject(MCP_REDIS) private readonly redis: RedisClient) {}

  /** Registers a call of an MCP session; resolves once cancellations for it can be received. */
  async track(mcpSessionId: string, requestId: RequestId): Promise<TrackedCall> {
    await this.listen();
    const key = callKey(mcpSessionId, requestId);
    const controller = new AbortController();
    this.calls.set(key, controller);
    // The cancellation may have overtaken the call (two POSTs, two replicas): it left a marker.
    const earlier = await this.redis.get(keys.mcpCancelled(mcpSessionId, requestId));
    if (earlier !== null) controller.abort(new CallCancelled(earlier || undefined));
    return {
      signal: controller.signal,
      release: () => {
        if (this.calls.get(key) === controller) this.calls.delete(key);
      },
    };
  }

  async cancel(mcpSessionId: string, requestId: RequestId, reason?: string): Promise<void> {
    const message: Relayed = { kind: 'cancel', mcpSessionId, requestId, reason };
    await execAll(
      this.redis
        .pipeline()
        .set(
          keys.mcpCancelled(mcpSessionId, requestId),
          reason ?? '',
          'EX',
          CANCELLED_MARKER_TTL_SECONDS,
        )
        .publish(callsChannel(this.redis), JSON.stringify(message)),
      `could not relay the cancellation of request ${JSON.stringify(requestId)}`,
    );
  }

  /** Where the requests sent by a call of `mcpSessionId` wait for their answers. */
  replyRoute(mcpSessionId: string): ReplyRoute {
    return { expect: (id, deliver) => this.expectReply(mcpSessionId, id, deliver) };
  }

  /**
   * Hands the answers in a POST of `mcpSessionId` to the calls that asked: here, or through the
   * channel on the replica that runs them. Never throws: an answer that cannot be relayed leaves
   * its prompt to its deadline or to session_respond.
   */
  async deliverReplies(mcpSessionId: string, messages: unknown[]): Promise<void> {
    // Delivered at once where this replica's call asked; the others go to the replicas.
    const elsewhere = messages
      .filter(isReply)
      .filter((reply) => !this.deliverHere(mcpSessionId, reply));
    if (elsewhere.length === 0) return;
    const batch = this.redis.pipeline();
    for (const reply of elsewhere) {
      const message: Relayed = { kind: 'reply', mcpSessionId, reply };
      batch.publish(callsChannel(this.redis), JSON.stringify(message));
    }
    try {
      await execAll(batch, 'could not relay an answer to another replica');
    } catch (error) {
      this.log.warn(`${errorText(error)} (the prompt ends at its deadline or by session_respond)`);
    }
  }

  /**
   * After the HTTP server has closed (calls had their drain: see the gateway's lifecycle), not
   * before: a call aborted here would read as the client's cancellation and interrupt its turn.
   */
  async onApplicationShutdown(): Promise<void> {
    for (const controller of this.calls.values()) {
      controller.abort(new Error('the gateway is shutting down'));
    }
    this.calls.clear();
    this.asked.clear();
    this.subscriber?.disconnect();
  }

  /**
   * Registers the call that sent request `id` as the one its answer goes to; resolves once an
   * answer reaching another replica can get here too (unless Redis is down: then only this
   * replica routes it). Returns how to stop waiting.
   */
  private async expectReply(
    mcpSessionId: string,
    id: RequestId,
    deliver: (reply: Reply) => void,
  ): Promise<() => void> {
    const key = callKey(mcpSessionId, id);
    this.asked.set(key, deliver);
    try {
      await this.listen();
    } catch (error) {
      this.log.warn(
        `request ${JSON.stringify(id)}: an answer reaching another replica will not be routed (${errorText(error)})`,
      );
    }
    return () => {
      if (this.asked.get(key) === deliver) this.asked.delete(key);
    };
  }

  private deliverHere(mcpSessionId: string, reply: Reply): boolean {
    const key = callKey(mcpSessionId, reply.id);
    const deliver = this.asked.get(key);
    if (!deliver) return false;
    this.asked.delete(key);
    deliver(reply);
    return true;
  }

  private listen(): Promise<unknown> {
    if (!this.subscribed) {
      // A subscribed connection can run nothing else, hence a connection of its own.
      const subscriber = duplicateConnection(this.redis, 'gateway-mcp-calls');
      subscriber.on('message', (_channel: string, payload: string) => this.onMessage(payload));
      subscriber.on('error', (error: Error) => this.log.warn(`calls channel: ${error.message}`));
      this.subscriber = subscriber;
      this.subscribed = subscriber.subscribe(callsChannel(this.redis)).catch((error: unknown) => {
        this.subscribed = undefined;
        subscriber.disconnect();
        throw error;
      });
    }
    return this.subscribed;
  }

  private onMessage(payload: string): void {
    let message: Relayed;
    try {
      message = JSON.parse(payload) as Relayed;
    } catch {
      return;
    }
    if (message.kind === 'reply') {
      // Every replica hears it; the one whose call asked delivers it, the others find no waiter.
      if (isReply(message.reply)) this.deliverHere(message.mcpSessionId, message.reply);
      return;
    }
    const controller = this.calls.get(callKey(message.mcpSessionId, message.requestId));
    controller?.abort(new CallCancelled(message.reason));
  }
}

/** The abort reason a tool sees when its client cancelled the call. */
export class CallCancelled extends Error {
  override readonly name = 'CallCancelled';
  constructor(reason?: string) {
    super(`the client cancelled the call${reason ? `: ${reason}` : ''}`);
  }
}

function isReply(message: unknown): message is Reply {
  if (!isJSONRPCResponse(message)) return false;
  return typeof message.id === 'string' || typeof message.id === 'number';
}

/** JSON keeps `1` and `"1"` apart: they are different JSON-RPC request ids. */
function callKey(mcpSessionId: string, requestId: RequestId): string {
  return `${mcpSessionId} ${JSON.stringify(requestId)}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
