import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { limitsOf, type TenantLimitTable } from '@app/config';
import { keys, type QuotaExceeded } from '@app/contracts';
import type { RedisClient } from '@app/redis';
import { JsonRpcCode, replyJsonRpcError } from '../mcp/json-rpc';
import { requestRateReached } from './quota-refusals';

/**
 * requestsPerMinute over every gateway replica: one counter per tenant in Redis, a fixed
 * one-minute window (rate-limiter-flexible's RateLimiterRedis: INCR and expiry in one script,
 * one key, so it runs on a Redis Cluster too). A replica that has seen a tenant go over the
 * limit refuses it from memory until the window ends, so a flood costs Redis nothing.
 */
export class TenantRequestRate {
  /** One limiter per distinct limit (the library's `points` is per instance). */
  private readonly limiters = new Map<number, RateLimiterRedis>();

  constructor(
    private readonly redis: RedisClient,
    private readonly limits: TenantLimitTable,
  ) {}

  /**
   * Counts one request of the tenant: undefined when it may go on, the refusal when it is over
   * the limit. Throws when Redis cannot count it (down, reconnecting): the caller answers 503.
   */
  async take(tenant: string): Promise<QuotaExceeded | undefined> {
    const limit = limitsOf(this.limits, tenant).requestsPerMinute;
    try {
      await this.limiterFor(limit).consume(keys.tenantRequests(tenant));
      return undefined;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      return requestRateReached(tenant, rejection.consumedPoints, limit, retryAfter);
    }
  }

  private limiterFor(points: number): RateLimiterRedis {
    let limiter = this.limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        // The key is ours (keys.tenantRequests), hash tag and all.
        keyPrefix: '',
        points,
        duration: 60,
        // Over the limit: refused from memory until the window ends (no duration of its own).
        inMemoryBlockOnConsumed: points + 1,
      });
      this.limiters.set(points, limiter);
    }
    return limiter;
  }
}

/**
 * Requests already counted: Nest runs a controller's middleware once per matching route, and
 * /mcp has two for a POST (@Post and @All).
 */
const counted = new WeakSet<IncomingMessage>();

/**
 * Lets a request of `tenant` through when it is within requestsPerMinute (true); otherwise
 * answers it: 429 with Retry-After and a JSON-RPC error naming the quota, or 503 while Redis
 * cannot count (as every /mcp request answers while Redis is away: the gateway serves nothing
 * without it).
 */
export async function withinRequestRate(
  rate: TenantRequestRate,
  tenant: string,
  req: IncomingMessage,
  res: ServerResponse,
  log: Pick<Logger, 'warn'>,
  onRefused?: (refusal: QuotaExceeded) => void,
): Promise<boolean> {
  if (counted.has(req)) return true;
  counted.add(req);
  let refusal: QuotaExceeded | undefined;
  try {
    refusal = await rate.take(tenant);
  } catch (error) {
    log.warn(`request refused, its rate could not be counted: ${String(error)}`);
    replyJsonRpcError(
      res,
      503,
      JsonRpcCode.serverError,
      // The words of McpEndpoint's own 503: a client sees one outage, whoever noticed it.
      'Service Unavailable: the gateway could not serve this request (Redis, which holds the ' +
        'sessions, is not answering); retry shortly',
      { 'Retry-After': '1' },
    );
    return false;
  }
  if (!refusal) return true;
  onRefused?.(refusal);
  const { retryAfterSeconds = 1 } = refusal.use;
  res.writeHead(429, {
    'Content-Type': 'application/json',
    'Retry-After': String(retryAfterSeconds),
  });
  res.end(
    JSON.stringify({
      jsonrpc: '2.0',
      error: { code: JsonRpcCode.serverError, message: refusal.message, data: refusal.use },
      id: null,
    }),
  );
  return false;
}
