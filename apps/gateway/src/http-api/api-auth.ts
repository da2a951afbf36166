import type { IncomingMessage } from 'node:http';
import type { Logger } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import type { RedisClient } from '@app/redis';
import type { GatewayMetrics } from '@app/metrics';
import { rebindingRefusal } from '../auth/loopback-origin';
import { LOCAL_TENANT } from '../auth/request-tenant';
import { bearerToken, TenantKeyring } from '../auth/tenant-keyring';
import { TenantRequestRate } from '../quotas/request-rate';
import { ApiError } from './api-error';
import { apiErrorOf, type RefusalHints } from './error-status';

const REALM = 'Bearer realm="api"';

/** Who is asking: a tenant (its own sessions only), or an operator (every tenant's). */
export type ApiCaller = { kind: 'tenant'; tenant: string } | { kind: 'operator' };

/**
 * Who sends an /api/v1 request, decided as /mcp decides it (TenantAuthMiddleware), from the same
 * parts: with MCP_API_KEYS the tenant whose bearer key is in the Authorization header (the only
 * place a key is read: never the URL, which logs and browser histories keep; never a cookie,
 * which a browser would send on its own), else 401; without keys, tenant `local` for requests
 * addressed to this machine only (403 otherwise). Then the tenant's requestsPerMinute, one count
 * over /mcp and /api/v1 on every replica. Refusals are thrown as ApiErrors.
 *
 * An operator key (ADMIN_API_KEYS) is an operator: it reads every tenant's sessions (the
 * console's operator view), and is counted against no tenant's rate.
 */
export class ApiAuthenticator {
  private readonly keyring: TenantKeyring;
  private readonly operators: TenantKeyring;
  private readonly rate?: TenantRequestRate;

  constructor(
    config: AppConfig,
    redis: RedisClient | undefined,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly hints: RefusalHints,
    private readonly metrics?: Pick<GatewayMetrics, 'quotaRefused'>,
  ) {
    this.keyring = new TenantKeyring(config.http.apiKeys);
    this.operators = new TenantKeyring(
      config.admin.apiKeys.map((key) => ({ tenant: 'operator', key })),
    );
    if (redis) this.rate = new TenantRequestRate(redis, config.tenantLimits);
  }

  async callerOf(req: IncomingMessage): Promise<ApiCaller> {
    const token = this.operators.size > 0 ? bearerToken(req.headers.authorization) : undefined;
    if (token !== undefined && this.operators.tenantFor(token) !== undefined) {
      return { kind: 'operator' };
    }
    return { kind: 'tenant', tenant: await this.tenantOf(req) };
  }

  private async tenantOf(req: IncomingMessage): Promise<string> {
    const tenant = this.keyring.size > 0 ? this.keyHolder(req) : this.localUser(req);
    if (!this.rate) return tenant;
    const refusal = await this.rate.take(tenant).catch((error: unknown) => {
      throw apiErrorOf(error, this.hints);
    });
    if (refusal) {
      this.metrics?.quotaRefused(refusal.use.quota, tenant);
      throw apiErrorOf(refusal, this.hints);
    }
    return tenant;
  }

  private keyHolder(req: IncomingMessage): string {
    const header = req.headers.authorization;
    if (!header) {
      throw new ApiError(
        401,
        'Unauthorized',
        'Unauthorized: send Authorization: Bearer <API key> (a key is never read from the URL)',
        { headers: { 'WWW-Authenticate': REALM } },
      );
    }
    const token = bearerToken(header);
    const tenant = token === undefined ? undefined : this.keyring.tenantFor(token);
    if (tenant !== undefined) return tenant;
    // Never the key itself: only that one was refused, and from where.
    this.log.warn(`refused a bearer key from ${req.socket.remoteAddress ?? 'unknown address'}`);
    throw new ApiError(
      401,
      'Unauthorized',
      'Unauthorized: the bearer key is not valid for this gateway',
      {
        headers: {
          'WWW-Authenticate': `${REALM}, error="invalid_token", error_description="the bearer key is not valid"`,
        },
      },
    );
  }

  private localUser(req: IncomingMessage): string {
    const refusal = rebindingRefusal(req.headers);
    if (refusal === undefined) return LOCAL_TENANT;
    this.log.warn(`refused a request: ${refusal}`);
    throw new ApiError(403, 'Forbidden', `Forbidden: ${refusal}`);
  }
}
