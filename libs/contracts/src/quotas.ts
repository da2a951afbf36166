import { ClientError } from './errors';

/** The per-tenant quotas of TENANT_LIMITS that refuse a call (budgets refuse with their own error). */
export type QuotaName = 'maxSessions' | 'maxQueuedTurns' | 'requestsPerMinute' | 'workspaceBytes';

export interface QuotaUse {
  quota: QuotaName;
  tenant: string;
  /** The limit in force for the tenant. */
  limit: number;
  /** What the tenant uses now (sessions, queued turns, requests this minute); absent when unknown. */
  used?: number;
  /** When a retry can succeed without the tenant doing anything (rate limits). */
  retryAfterSeconds?: number;
}

/**
 * A call refused because the tenant is at one of its quotas; nothing was created. The message
 * names the quota, the limit, the use and what to do; the figures are kept for transports that
 * answer them in their own shape (HTTP 429 with Retry-After).
 */
export class QuotaExceeded extends ClientError {
  override readonly name = 'QuotaExceeded';
  constructor(
    readonly use: QuotaUse,
    message: string,
  ) {
    super(message);
  }
}
