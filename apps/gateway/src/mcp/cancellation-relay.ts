import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { duplicateConnection, type RedisClient } from '@app/redis';
import type { RequestId } from '@modelcontextprotocol/server';
import { channelOf, channels, keys } from '@app/contracts';
import { execAll } from './redis-batch';
import { MCP_REDIS } from './redis-token';

/** A call starts within moments of its request; a marker older than this concerns no call. */
const CANCELLED_MARKER_TTL_SECONDS = 60;

/**
 * One channel for all replicas: cancellations are rare, and every replica must hear the ones for
 * calls it runs, whichever replica the notification reached.
 */
function cancelChannel(redis: RedisClient): string {
  return channelOf(redis, channels.mcpCancel());
}

interface CancelMessage {
  mcpSessionId: string;
  requestId: RequestId;
  reason?: string;
}

/** A running call's cancellation signal; release() once the call is over. */
export interface TrackedCall {
  signal: AbortSignal;
  release(): void;
}

/**
 * Carries `notifications/cancelled` to the replica running the call. With a transport per HTTP
 * request, the notification always arrives on another request than the call, and in a fleet often
 * on another replica, so the SDK's own in-process cancellation never fires.
 */
@Injectable()
export class CancellationRelay implements OnApplicationShutdown {
  private readonly log = new Logger('CancellationRelay');
  private readonly calls = new Map<string, AbortController>();
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
    const message: CancelMessage = { mcpSessionId, requestId, reason };
    await execAll(
      this.redis
        .pipeline()
        .set(
          keys.mcpCancelled(mcpSessionId, requestId),
          reason ?? '',
          'EX',
          CANCELLED_MARKER_TTL_SECONDS,
        )
        .publish(cancelChannel(this.redis), JSON.stringify(message)),
      `could not relay the cancellation of request ${JSON.stringify(requestId)}`,
    );
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
    this.subscriber?.disconnect();
  }

  private listen(): Promise<unknown> {
    if (!this.subscribed) {
      // A subscribed connection can run nothing else, hence a connection of its own.
      const subscriber = duplicateConnection(this.redis, 'gateway-mcp-cancel');
      subscriber.on('message', (_channel: string, payload: string) => this.onMessage(payload));
      subscriber.on('error', (error: Error) =>
        this.log.warn(`cancellation channel: ${error.message}`),
      );
      this.subscriber = subscriber;
      this.subscribed = subscriber.subscribe(cancelChannel(this.redis)).catch((error: unknown) => {
        this.subscribed = undefined;
        subscriber.disconnect();
        throw error;
      });
    }
    return this.subscribed;
  }

  private onMessage(payload: string): void {
    let message: CancelMessage;
    try {
      message = JSON.parse(payload) as CancelMessage;
    } catch {
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

/** JSON keeps `1` and `"1"` apart: they are different JSON-RPC request ids. */
function callKey(mcpSessionId: string, requestId: RequestId): string {
  return `${mcpSessionId} ${JSON.stringify(requestId)}`;
}
