import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { closeRedis, createRedisConnection, type RedisClient } from '@app/redis';
import { sseHistoryWriter } from './sse-history-writer';

/** Where OwnedRedis connects: REDIS_URL, REDIS_KEY_PREFIX and whether it is a cluster. */
export interface OwnedRedisTarget {
  url: string;
  keyPrefix?: string;
  cluster?: boolean;
}

/** Injection token of the OwnedRedisTarget. */
export const OWNED_REDIS_TARGET = Symbol('OWNED_REDIS_TARGET');

/** A client the MCP module created itself, so it is the one that closes it on shutdown. */
@Injectable()
export class OwnedRedis implements OnApplicationShutdown {
  private readonly log = new Logger('McpRedis');
  readonly client: RedisClient;

  constructor(@Inject(OWNED_REDIS_TARGET) target: OwnedRedisTarget) {
    this.client = createRedisConnection(target.url, {
      name: 'gateway-mcp',
      keyPrefix: target.keyPrefix,
      cluster: target.cluster,
      // An MCP request fails within seconds while Redis is away (503, retry) instead of hanging.
      maxRetriesPerRequest: 3,
      onError: (error) => this.log.warn(`Redis: ${error.message}`),
    });
  }

  /**
   * Last, not at module destroy (Nest's first shutdown phase): the drain that follows still
   * serves MCP requests, and a stopping gateway's tasks hand themselves on through this client.
   */
  async onApplicationShutdown(): Promise<void> {
    // SSE history still waiting for its batch goes out before the connection closes.
    await sseHistoryWriter(this.client).flush();
    await closeRedis(this.client);
  }
}
