import { InvalidCheckpointArgument } from '../errors';

/**
 * Where things live in the object store. Everything of a tenant is under `tenants/<tenant>/`,
 * so deduplication (same hash → same key) only ever happens within one tenant.
 *
 *   tenants/<tenant>/objects/<h[0:2]>/<h>                      zstd(content), h = sha256(content)
 *   tenants/<tenant>/refs/<sessionId>/<createdAt>-<checkpointId>  JSON summary, createdAt 15 digits
 */
export const TENANTS_PREFIX = 'tenants/';
const CREATED_AT_DIGITS = 15;

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;
const HASH = /^[0-9a-f]{64}$/;

export function isHash(value: string): boolean {
  return HASH.test(value);
}

export function assertTenant(tenant: string): void {
  if (!TENANT.test(tenant))
    throw new InvalidCheckpointArgument('tenant', tenant, '1-64 of [A-Za-z0-9_-]');
}

export function assertSessionId(sessionId: string): void {
  if (!SESSION_ID.test(sessionId))
    throw new InvalidCheckpointArgument('session id', sessionId, '1-128 of [A-Za-z0-9_-]');
}

export function assertCheckpointId(checkpointId: string): void {
  if (!HASH.test(checkpointId))
    throw new InvalidCheckpointArgument(
      'checkpoint id',
      checkpointId,
      '64 lowercase hex characters',
    );
}

export function objectsPrefix(tenant: string): string {
  return `${TENANTS_PREFIX}${tenant}/objects/`;
}

export function objectKey(tenant: string, hash: string): string {
  return `${objectsPrefix(tenant)}${hash.slice(0, 2)}/${hash}`;
}

export function refsPrefix(tenant: string, sessionId?: string): string {
  return `${TENANTS_PREFIX}${tenant}/refs/${sessionId === undefined ? '' : `${sessionId}/`}`;
}

export function refKey(
  tenant: string,
  sessionId: string,
  createdAt: number,
  checkpointId: string,
): string {
  const stamp = String(createdAt).padStart(CREATED_AT_DIGITS, '0');
  return `${refsPrefix(tenant, sessionId)}${stamp}-${checkpointId}`;
}

export type ParsedKey =
  | { kind: 'object'; tenant: string; hash: string }
  | { kind: 'ref'; tenant: string; sessionId: string; createdAt: number; checkpointId: string };

/** What a listed key is, or undefined for keys this layout does not produce. */
export function parseKey(key: string): ParsedKey | undefined {
  const parts = key.split('/');
  if (parts[0] !== 'tenants' || !TENANT.test(parts[1] ?? '')) return undefined;
  const tenant = parts[1];
  if (
    parts.length === 5 &&
    parts[2] === 'objects' &&
    HASH.test(parts[4]) &&
    parts[4].startsWith(parts[3])
  ) {
    return { kind: 'object', tenant, hash: parts[4] };
  }
  const ref =
    parts.length === 5 && parts[2] === 'refs' ? /^(\d{15})-([0-9a-f]{64})$/.exec(parts[4]) : null;
  if (ref && SESSION_ID.test(parts[3])) {
    return {
      kind: 'ref',
      tenant,
      sessionId: parts[3],
      createdAt: Number(ref[1]),
      checkpointId: ref[2],
    };
  }
  return undefined;
}
