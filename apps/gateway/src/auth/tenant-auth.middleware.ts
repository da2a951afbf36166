import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, Optional, type NestMiddleware } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { QuotaExceeded } from '@app/contracts';
import { GatewayMetrics } from '@app/metrics';
import type { RedisClient } from '@app/redis';
import { JsonRpcCode, replyJsonRpcError } from '../mcp/json-rpc';
import { MCP_REDIS } from '../mcp/redis-token';
import { TenantRequestRate, withinRequestRate } from '../quotas/request-rate';
import { rebindingRefusal } from './loopback-origin';
import { LOCAL_TENANT, setTenant } from './request-tenant';
import { bearerToken, TenantKeyring } from './tenant-keyring';

const REALM = 'Bearer realm="mcp"';

/**
 * Decides who sends each request, on every request (the MCP session never vouches for it):
 * with MCP_API_KEYS, the tenant whose bearer key it presents, else 401; without keys, tenant
 * `local`, for requests addressed to this machine only (403 otherwise). Then, before any work,
 * the tenant's requestsPerMinute over all replicas (429 beyond it, see TenantRequestRate).
 */
@Injectable()
export class TenantAuthMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  private readonly log = new Logger('TenantAuth');
  private readonly keyring: TenantKeyring;
  private readonly rate?: TenantRequestRate;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(MCP_REDIS) redis?: RedisClient,
    @Optional() private readonly metrics?: GatewayMetrics,
  ) {
    this.keyring = new TenantKeyring(config.http.apiKeys);
    if (redis) this.rate = new TenantRequestRate(redis, config.tenantLimits);
  }

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const tenant =
      this.keyring.size > 0 ? this.authenticate(req, res) : this.allowLoopback(req, res);
    if (tenant === undefined) return;
    setTenant(req, tenant);
    if (!this.rate) return next();
    const refused = (r: QuotaExceeded) => this.metrics?.quotaRefused(r.use.quota, tenant);
    void withinRequestRate(this.rate, tenant, req, res, this.log, refused).then(
      (ok) => ok && next(),
    );
  }

  private authenticate(req: IncomingMessage, res: ServerResponse): string | undefined {
    const header = req.headers.authorization;
    if (!header) {
      replyJsonRpcError(
        res,
        401,
        JsonRpcCode.serverError,
        'Unauthorized: send Authorization: Bearer <API key>',
        {
          'WWW-Authenticate': REALM,
        },
      );
      return undefined;
    }
    const token = bearerToken(header);
    const tenant = token === undefined ? undefined : this.keyring.tenantFor(token);
    if (tenant === undefined) {
      // Never the key itself: only that one was refused, and from where.
      this.log.warn(`refused a bearer key from ${req.socket.remoteAddress ?? 'unknown address'}`);
      replyJsonRpcError(
        res,
        401,
        JsonRpcCode.serverError,
        'Unauthorized: the bearer key is not valid for this gateway',
        {
          'WWW-Authenticate': `${REALM}, error="invalid_token", error_description="the bearer key is not valid"`,
        },
      );
    }
    return tenant;
  }

  private allowLoopback(req: IncomingMessage, res: ServerResponse): string | undefined {
    const refusal = rebindingRefusal(req.headers);
    if (refusal === undefined) return LOCAL_TENANT;
    this.log.warn(`refused a request: ${refusal}`);
    replyJsonRpcError(res, 403, JsonRpcCode.serverError, `Forbidden: ${refusal}`);
    return undefined;
  }
}
