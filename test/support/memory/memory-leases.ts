import type { SessionLeases } from '@app/sessions';

type Leases = Pick<SessionLeases, 'acquire' | 'release'>;

/** Session leases of a fleet in memory: `holder(id)` is one worker's face (SessionLeases). */
export class MemoryLeaseTable {
  private readonly leases = new Map<string, string>();

  holder(workerId: string): Leases {
    return {
      acquire: async (sessionId) => {
        const current = this.leases.get(sessionId);
        if (current !== undefined && current !== workerId) return false;
        this.leases.set(sessionId, workerId);
        return true;
      },
      release: async (sessionId) => {
        if (this.leases.get(sessionId) === workerId) this.leases.delete(sessionId);
      },
    };
  }

  /** The holder died: its lease runs out (what the TTL does in Redis). */
  expire(sessionId: string): void {
    this.leases.delete(sessionId);
  }

  /** Who holds the session now, if anyone. */
  heldBy(sessionId: string): string | undefined {
    return this.leases.get(sessionId);
  }
}
