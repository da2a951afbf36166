import type { AppConfig } from '@app/config';

/** The label of every tenant nobody configured: never a name a client chose. */
export const OTHER_TENANT = 'other';

/**
 * Tenant names as metric labels. Only tenants the operator configured (MCP_API_KEYS, the
 * tenants TENANT_LIMITS names, and `local` when auth is off) become labels, so a label's values
 * stay as few as the configuration: a series per unknown name would let anyone who reaches the
 * gateway grow Prometheus without bound.
 */
export class TenantLabels {
  private readonly known: ReadonlySet<string>;

  constructor(known: Iterable<string>) {
    this.known = new Set(known);
  }

  static fromConfig(config: Pick<AppConfig, 'http' | 'tenantLimits'>): TenantLabels {
    const keyed = config.http.apiKeys.map((entry) => entry.tenant);
    return new TenantLabels([
      ...keyed,
      ...Object.keys(config.tenantLimits.tenants),
      // Without keys every request is tenant `local` (apps/gateway/src/auth).
      ...(keyed.length === 0 ? ['local'] : []),
    ]);
  }

  /** The configured tenants, for collectors that read each tenant's keys. */
  get all(): string[] {
    return [...this.known];
  }

  of(tenant: string): string {
    return this.known.has(tenant) ? tenant : OTHER_TENANT;
  }
}
