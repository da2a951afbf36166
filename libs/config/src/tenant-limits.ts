import { z } from 'zod';
import { jsonOrFile } from './json-or-file';

/** What one tenant may use at once and per day; beyond it a call fails at once, naming the limit. */
export const TenantLimitsSchema = z
  .object({
    /**
     * Sessions that hold or wait for a worker (queued, running, waiting, idle); hibernated, failed
     * and ended ones do not count, and a message that would wake one at the limit is refused.
     */
    maxSessions: z.number().int().positive(),
    /** Turns queued and not yet taken by a worker, over all the tenant's sessions. */
    maxQueuedTurns: z.number().int().positive(),
    /** HTTP requests to /mcp per minute, over all the tenant's keys and every gateway replica. */
    requestsPerMinute: z.number().int().positive(),
    /**
     * The largest workspace one of the tenant's sessions may have, within WORKSPACE_MAX_BYTES: a
     * larger seed is refused, a checkpoint leaves the excess out and reports it.
     */
    workspaceBytes: z.number().int().positive(),
    /** Spend per UTC day over all the tenant's sessions, from the CLI's reported cost; null: no cap. */
    budgetUsdPerDay: z.number().positive().nullable(),
  })
  .strict();
export type TenantLimits = z.infer<typeof TenantLimitsSchema>;

/**
 * Limits of a tenant that TENANT_LIMITS does not name. Generous for one team's traffic, but
 * finite: an unattended tenant cannot take the whole fleet or spend without end.
 */
export const DEFAULT_TENANT_LIMITS: TenantLimits = {
  maxSessions: 200,
  maxQueuedTurns: 1_000,
  requestsPerMinute: 6_000,
  workspaceBytes: 1024 ** 3,
  budgetUsdPerDay: 100,
};

/** The limits of every tenant: those named, and the defaults for the rest. */
export interface TenantLimitTable {
  defaults: TenantLimits;
  tenants: Readonly<Record<string, TenantLimits>>;
}

export function limitsOf(table: TenantLimitTable, tenant: string): TenantLimits {
  return table.tenants[tenant] ?? table.defaults;
}

/** `*` changes the defaults; a tenant's entry changes what it names and keeps the rest. */
const TableSchema = z.record(
  z.string().regex(/^(\*|[A-Za-z0-9_-]{1,64})$/),
  TenantLimitsSchema.partial(),
);

/**
 * TENANT_LIMITS: inline JSON (`{"*": {...}, "acme": {"maxSessions": 50}}`) or the path of a
 * file holding it (a mounted ConfigMap). Read once at start-up.
 */
export const tenantLimitsVariable = z
  .string()
  .optional()
  .transform((raw, ctx): TenantLimitTable => {
    if (raw === undefined) return { defaults: DEFAULT_TENANT_LIMITS, tenants: {} };
    const json = jsonOrFile(raw, ctx, { quoteParseError: true });
    if (json === z.NEVER) return z.NEVER;
    const parsed = TableSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({
          code: 'custom',
          message: `${issue.path.join('.') || 'the table'}: ${
            // zod reports a bad record key without the key schema's own message
            issue.code === 'invalid_key' ? 'a tenant name ([A-Za-z0-9_-]) or "*"' : issue.message
          }`,
        });
      }
      return z.NEVER;
    }
    const { '*': overrides, ...named } = parsed.data;
    const defaults = { ...DEFAULT_TENANT_LIMITS, ...overrides };
    const tenants: Record<string, TenantLimits> = {};
    for (const [tenant, limits] of Object.entries(named))
      tenants[tenant] = { ...defaults, ...limits };
    return { defaults, tenants };
  });
