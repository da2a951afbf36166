import type { RedisClient } from '@app/redis';
import { InvalidRequest, keys, type SessionRecord, type SessionStatus } from '@app/contracts';

export interface SessionPage {
  sessions: SessionRecord[];
  /** Opaque cursor for the next page; absent on the last page. */
  next?: string;
}

/*
 * The per-tenant index is a sorted set with score 0 whose members are `<createdAt>:<id>`
 * (createdAt zero-padded), read newest first with ZRANGE BYLEX. A cursor is the last member
 * returned, so pages neither skip nor repeat sessions when new ones are created meanwhile.
 */

export const indexMember = (r: Pick<SessionRecord, 'createdAt' | 'id'>) =>
  `${String(r.createdAt).padStart(15, '0')}:${r.id}`;

const MAX_SCANS = 20;

export async function listTenantSessions(
  redis: RedisClient,
  tenant: string,
  options: { status?: SessionStatus; limit: number; cursor?: string },
  load: (id: string) => Promise<SessionRecord | undefined>,
): Promise<SessionPage> {
  const key = keys.tenantSessions(tenant);
  const sessions: SessionRecord[] = [];
  let from = options.cursor ? `(${decodeCursor(options.cursor)}` : '+';
  for (let scan = 0; scan < MAX_SCANS && sessions.length < options.limit; scan++) {
    const members = await redis.zrange(key, from, '-', 'BYLEX', 'REV', 'LIMIT', 0, options.limit);
    if (members.length === 0) return { sessions };
    const records = await Promise.all(members.map((m) => load(m.slice(m.indexOf(':') + 1))));
    for (const [i, record] of records.entries()) {
      from = `(${members[i]}`;
      if (
        record &&
        record.tenant === tenant &&
        (!options.status || record.status === options.status)
      ) {
        sessions.push(record);
        if (sessions.length === options.limit) break;
      }
    }
    if (members.length < options.limit && sessions.length < options.limit) return { sessions };
  }
  return { sessions, next: encodeCursor(from.slice(1)) };
}

const encodeCursor = (member: string) => Buffer.from(member).toString('base64url');

function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d{15}:[0-9a-f-]{36}$/.test(member))
    throw new InvalidRequest('cursor is not one returned by session_list (its `next`)');
  return member;
}
