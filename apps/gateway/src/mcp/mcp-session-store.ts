import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RedisClient } from '@app/redis';
import { keys } from '@app/contracts';
import { MCP_SESSION_TTL_SECONDS } from './limits';
import { execAll } from './redis-batch';
import { MCP_REDIS } from './redis-token';

/** What any replica needs to serve an MCP session that another replica initialized. */
export interface McpSessionRecord {
  id: string;
  tenant: string;
  protocolVersion: string;
  createdAt: number;
  /** Whether the client declared form elicitation at initialize (a prompt can be put to it). */
  elicitsForms?: boolean;
}

/** Session ids are ours (randomUUID); anything else is not worth a Redis round trip. */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** MCP (transport) sessions in Redis, so no replica holds one only in its memory. */
@Injectable()
export class McpSessionStore {
  private readonly log = new Logger('McpSessionStore');

  constructor(@Inject(MCP_REDIS) private readonly redis: RedisClient) {}

  async create(record: McpSessionRecord): Promise<void> {
    const key = keys.mcpSession(record.id);
    await execAll(
      this.redis
        .multi()
        .hset(key, {
          tenant: record.tenant,
          protocolVersion: record.protocolVersion,
          createdAt: String(record.createdAt),
          ...(record.elicitsForms ? { elicitsForms: '1' } : {}),
        })
        .expire(key, MCP_SESSION_TTL_SECONDS),
      `could not store MCP session ${record.id}`,
    );
  }

  /**
   * The session, if it exists and belongs to `tenant`. Another tenant's session is reported as
   * missing, exactly like an unknown one, so ids cannot be probed across tenants.
   */
  async find(id: string, tenant: string): Promise<McpSessionRecord | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    const key = keys.mcpSession(id);
    const fields = await this.redis.hgetall(key);
    if (fields.tenant !== tenant) return undefined;
    // Sliding expiry; not awaited: losing one refresh only shortens the session by one request.
    this.redis.expire(key, MCP_SESSION_TTL_SECONDS).catch((error: unknown) => {
      this.log.warn(`could not refresh the TTL of MCP session ${id}: ${String(error)}`);
    });
    return {
      id,
      tenant,
      protocolVersion: fields.protocolVersion ?? '',
      createdAt: Number(fields.createdAt),
      ...(fields.elicitsForms === '1' ? { elicitsForms: true } : {}),
    };
  }

  async end(id: string): Promise<void> {
    await this.redis.del(keys.mcpSession(id));
  }
}
