import type { RedisClient } from '@app/redis';
import { keys } from '@app/contracts';
import { LEASE_KEEP, LEASE_RELEASE } from './session-scripts';

interface LeaseCommands {
  leaseRelease(key: string, holder: string): Promise<number>;
  leaseKeep(key: string, holder: string, ttlMs: number): Promise<number>;
}

/** How long a lease lasts without renewal: how soon a dead worker's sessions can be taken over. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

export interface SessionLeasesOptions {
  /** WORKER_LIVENESS_MS: BullMQ's job locks last as long, so both expire together. */
  ttlMs?: number;
}

/**
 * Which worker holds a session's CLI process. Only the holder runs the session's turns; the
 * holder renews its leases every third of their TTL, so a worker that dies loses them within one
 * TTL and another worker can take its sessions over. A lease that expired while its holder was
 * cut off is taken back if nobody else took it meanwhile; otherwise the holder hears `onLost`.
 */
export class SessionLeases {
  private readonly redis: RedisClient & LeaseCommands;
  private readonly held = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  private readonly ttlMs: number;
  private onLost: (sessionId: string) => void = () => undefined;

  constructor(
    redis: RedisClient,
    readonly holder: string,
    options: SessionLeasesOptions = {},
  ) {
    redis.defineCommand('leaseRelease', { numberOfKeys: 1, lua: LEASE_RELEASE });
    redis.defineCommand('leaseKeep', { numberOfKeys: 1, lua: LEASE_KEEP });
    this.redis = redis as RedisClient & LeaseCommands;
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.timer = setInterval(() => void this.renewAll(), this.ttlMs / 3);
    this.timer.unref();
  }

  /**
   * What to do when another holder took a lease this one held (it expired while this worker
   * could not renew it, e.g. cut off from Redis): the session's turns are that holder's now.
   */
  whenLost(handler: (sessionId: string) => void): void {
    this.onLost = handler;
  }

  /** True when this holder has (or now took) the session; false when another one does. */
  async acquire(sessionId: string): Promise<boolean> {
    const mine = (await this.redis.leaseKeep(keys.lease(sessionId), this.holder, this.ttlMs)) === 1;
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

  /** Failed renewals (Redis away) are retried at the next tick; a lease taken by another is lost. */
  private async renewAll(): Promise<void> {
    await Promise.allSettled(
      [...this.held].map(async (id) => {
        const kept = await this.redis.leaseKeep(keys.lease(id), this.holder, this.ttlMs);
        if (kept === 1 || !this.held.delete(id)) return;
        this.onLost(id);
      }),
    );
  }
}
