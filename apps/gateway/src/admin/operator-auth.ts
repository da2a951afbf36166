import { bearerToken, TenantKeyring } from '../auth/tenant-keyring';

/** What the queue dashboard answers a request, from its Authorization header alone. */
export type OperatorAccess =
  | { allowed: true }
  | { allowed: false; status: 401 | 403; reason: 'missing' | 'invalid' | 'tenant_key' };

/**
 * Operator keys (ADMIN_API_KEYS) against tenant keys (MCP_API_KEYS). A key is taken from a Bearer
 * header (scripts, curl) or as the password of HTTP Basic auth, because a browser navigating to a
 * page cannot send a bearer header but does prompt for Basic credentials. Never from the URL:
 * URLs end up in proxy logs and browser history.
 */
export class OperatorKeys {
  private readonly operators: TenantKeyring;
  private readonly tenants: TenantKeyring;

  constructor(
    adminKeys: readonly string[],
    tenantKeys: ReadonlyArray<{ tenant: string; key: string }>,
  ) {
    this.operators = new TenantKeyring(adminKeys.map((key) => ({ tenant: 'operator', key })));
    this.tenants = new TenantKeyring(tenantKeys);
  }

  access(authorization: string | undefined): OperatorAccess {
    const key = bearerToken(authorization) ?? basicPassword(authorization);
    if (key === undefined) return { allowed: false, status: 401, reason: 'missing' };
    if (this.operators.tenantFor(key) !== undefined) return { allowed: true };
    // A valid tenant key is a known caller without the right: 403, so it does not retry.
    if (this.tenants.tenantFor(key) !== undefined) {
      return { allowed: false, status: 403, reason: 'tenant_key' };
    }
    return { allowed: false, status: 401, reason: 'invalid' };
  }
}

/** The password of an `Authorization: Basic base64(user:password)` header; any user name. */
export function basicPassword(authorization: string | undefined): string | undefined {
  const match = /^Basic[ ]+([A-Za-z0-9+/]+=*)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const password = decoded.slice(colon + 1);
  return password === '' ? undefined : password;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A browser sends cached Basic credentials with any request to this origin, a form posted from
 * another site included: so a request that may change jobs must come from the dashboard's own
 * page (same Origin as Host; Sec-Fetch-Site same-origin), or from a client that is no browser.
 */
export function crossSiteWrite(
  method: string | undefined,
  headers: { host?: string; origin?: string; 'sec-fetch-site'?: string | string[] },
): boolean {
  if (SAFE_METHODS.has((method ?? 'GET').toUpperCase())) return false;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  if (headers.origin === undefined) return false;
  try {
    return new URL(headers.origin).host !== headers.host;
  } catch {
    return true;
  }
}
