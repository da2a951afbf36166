import type Redis from 'ioredis';
import { keys } from '@app/contracts';
import { LEASE_RELEASE, LEASE_RENEW } from './session-scripts';

interface LeaseCommands {
  leaseRelease(key: string, holder: string): Promise<number>;
  leaseRenew(key: string, holder: string, ttlMs: number): Promise<number>;
}

/** How long a lease lasts without renewal: how soon a dead worker's sessions can be taken over. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

/**
 * Which worker holds a session's CLI process. Only the holder runs the session's turns; the
 * holder renews its leases every third of their TTL, so a worker that dies loses them within one
 * TTL and another worker can take its sessions over.
 */
export class SessionLeases {
  private readonly redis: Redis & LeaseCommands;
  private readonly held = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    redis: Redis,
    readonly holder: string,
    private readonly ttlMs = DEFAULT_LEASE_TTL_MS,
  ) {
    redis.defineCommand('leaseRelease', { numberOfKeys: 1, lua: LEASE_RELEASE });
    redis.defineCommand('leaseRenew', { numberOfKeys: 1, lua: LEASE_RENEW });
    this.redis = redis as Redis & LeaseCommands;
    this.timer = setInterval(() => void this.renewAll(), ttlMs / 3);
    this.timer.unref();
  }

  /** True when this holder has (or now took) the session; false when another one does. */
  async acquire(sessionId: string): Promise<boolean> {
    const key = keys.lease(sessionId);
    const taken = await this.redis.set(key, this.holder, 'PX', this.ttlMs, 'NX');
    const mine =
      taken === 'OK' || (await this.redis.leaseRenew(key, this.holder, this.ttlMs)) === 1;
    if (mine) this.held.add(sessionId);
    return mine;
  }

  async release(sessionId: string): Promise<void> {
    this.held.delete(sessionId);
    await this.redis.leaseRelease(keys.lease(sessionId), this.holder);
  }

  /** Stops renewing and lets go of every lease this holder has. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.held].map((id) => this.release(id)));
  }

  private async renewAll(): Promise<void> {
    await Promise.allSettled(
      [...this.held].map((id) => this.redis.leaseRenew(keys.lease(id), this.holder, this.ttlMs)),
    );
  }
}
