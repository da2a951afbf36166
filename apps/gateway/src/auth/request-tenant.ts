import type { IncomingMessage } from 'node:http';

/** The tenant of a gateway that has no API keys: one user on this machine. */
export const LOCAL_TENANT = 'local';

const TENANT = Symbol('tenant');

type TenantCarrier = IncomingMessage & { [TENANT]?: string };

/** Records who sent the request; done once, by TenantAuthMiddleware. */
export function setTenant(req: IncomingMessage, tenant: string): void {
  (req as TenantCarrier)[TENANT] = tenant;
}

/** The authenticated tenant; throws when the route was mounted without TenantAuthMiddleware. */
export function tenantOf(req: IncomingMessage): string {
  const tenant = (req as TenantCarrier)[TENANT];
  if (tenant === undefined) {
    throw new Error('no tenant on this request: the route must be behind TenantAuthMiddleware');
  }
  return tenant;
}
