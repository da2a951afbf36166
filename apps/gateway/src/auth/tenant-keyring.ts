import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer keys → tenant. Keys are compared as SHA-256 digests with timingSafeEqual, against every
 * key every time, so neither a key's length nor which tenant matched shows in the response time.
 */
export class TenantKeyring {
  private readonly entries: ReadonlyArray<{ tenant: string; digest: Buffer }>;

  constructor(apiKeys: ReadonlyArray<{ tenant: string; key: string }>) {
    this.entries = apiKeys.map(({ tenant, key }) => ({ tenant, digest: digest(key) }));
  }

  get size(): number {
    return this.entries.length;
  }

  tenantFor(token: string): string | undefined {
    const presented = digest(token);
    let tenant: string | undefined;
    for (const entry of this.entries) {
      const equal = timingSafeEqual(entry.digest, presented);
      if (equal && tenant === undefined) tenant = entry.tenant;
    }
    return tenant;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The token of an `Authorization: Bearer <token>` header; undefined when absent or another scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
