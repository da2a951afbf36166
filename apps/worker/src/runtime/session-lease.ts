import type Redis from 'ioredis';
import { keys } from '@app/contracts';

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

interface LeaseCommands {
  leaseRelease(key: string, owner: string): Promise<number>;
  leaseRenew(key: string, owner: string, ttlMs: number): Promise<number>;
}

/**
 * Which worker holds a session's CLI process. Only the holder runs the session's turns; the
 * lease expires on its own when a worker dies, so another worker can take over.
 */
export class SessionLeases {
  private readonly redis: Redis & LeaseCommands;
  private readonly held = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    redis: Redis,
    readonly workerId: string,
    private readonly ttlMs = 30_000,
  ) {
    redis.defineCommand('leaseRelease', { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand('leaseRenew', { numberOfKeys: 1, lua: RENEW });
    this.redis = redis as Redis & LeaseCommands;
    this.timer = setInterval(() => void this.renewAll(), ttlMs / 3);
    this.timer.unref();
  }

  /** True when this worker holds (or now took) the session; false when another worker does. */
  async acquire(sessionId: string): Promise<boolean> {
    const key = keys.lease(sessionId);
    const taken = await this.redis.set(key, this.workerId, 'PX', this.ttlMs, 'NX');
    const mine =
      taken === 'OK' || (await this.redis.leaseRenew(key, this.workerId, this.ttlMs)) === 1;
    if (mine) this.held.add(sessionId);
    return mine;
  }

  async holder(sessionId: string): Promise<string | null> {
    return this.redis.get(keys.lease(sessionId));
  }

  async release(sessionId: string): Promise<void> {
    this.held.delete(sessionId);
    await this.redis.leaseRelease(keys.lease(sessionId), this.workerId);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.held].map((id) => this.release(id)));
  }

  private async renewAll(): Promise<void> {
    await Promise.allSettled(
      [...this.held].map((id) => this.redis.leaseRenew(keys.lease(id), this.workerId, this.ttlMs)),
    );
  }
}
