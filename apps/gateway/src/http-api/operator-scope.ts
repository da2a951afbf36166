import type { SessionStore } from '@app/sessions';
import { ApiError } from './api-error';
import type { BoundRoute, EventsRoute } from './api-router';

/** How many sessions an operator's list shows across tenants (the newest first). */
export const OPERATOR_LIST_DEFAULT = 50;

/**
 * What an operator key (ADMIN_API_KEYS) may do over /api/v1: read every tenant's sessions, and
 * change them only where ADMIN_SESSIONS_WRITABLE says so. A request about one session is served
 * as the session's own tenant would be (the same tools, the same answers); an operator starts no
 * session: that is a tenant's, with its quotas and budgets.
 */
export class OperatorScope {
  constructor(
    private readonly sessions: Pick<SessionStore, 'find'> | undefined,
    /** The tenants the list covers: those with keys (MCP_API_KEYS), or `local` without keys. */
    readonly tenants: readonly string[],
    private readonly writable: boolean,
  ) {}

  /** The tenant whose request this is, as far as an operator may make it; else an ApiError. */
  async tenantFor(bound: BoundRoute | EventsRoute, values: string[]): Promise<string> {
    const { route, binding } = bound;
    if (route.method !== 'GET' && !this.writable) {
      throw new ApiError(
        403,
        'OperatorReadOnly',
        'Operator keys read every tenant’s sessions but change none: set ' +
          'ADMIN_SESSIONS_WRITABLE=true on the gateways to let them, or use the tenant’s key',
      );
    }
    const at = binding.pathKeys.indexOf('sessionId');
    if (at < 0) {
      throw new ApiError(
        403,
        'OperatorNoTenant',
        `${route.method} ${route.path} acts as a tenant: use the tenant’s key`,
      );
    }
    const sessionId = decoded(values[at] ?? '');
    const record = sessionId === undefined ? undefined : await this.sessions?.find(sessionId);
    if (!record) {
      throw new ApiError(404, 'SessionNotFound', `session ${sessionId} not found`);
    }
    return record.tenant;
  }
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
