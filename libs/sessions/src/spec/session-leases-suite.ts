import { randomUUID } from 'node:crypto';
import { keys } from '@app/contracts';
import type { RedisClient } from '@app/redis';
import { eventually } from '@app/testing';
import type { TestRedisTarget } from '@app/testing/services';
import { SessionLeases } from '../session-leases';

/** What SessionLeases must do on real Redis, a single server or a cluster alike. */
export function sessionLeasesSuite(target: () => TestRedisTarget): void {
  const leases: SessionLeases[] = [];
  const connect = () => target().client();
  const worker = (
    id: string,
    ttlMs?: number,
    client: RedisClient = connect(),
    onLost?: (sessionId: string) => void,
  ) => {
    const l = new SessionLeases(client, id, { ttlMs });
    if (onLost) l.whenLost(onLost);
    leases.push(l);
    return l;
  };
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((l) => l.close()));
  });

  it('gives a session to one worker at a time, until it lets go', async () => {
    const [a, b] = [worker('a'), worker('b')];
    const id = randomUUID();
    expect(await a.acquire(id)).toBe(true);
    expect(await b.acquire(id)).toBe(false);
    expect(await a.acquire(id)).toBe(true); // its own: renewed
    await b.release(id); // not b's to release
    expect(await b.acquire(id)).toBe(false);
    await a.release(id);
    expect(await b.acquire(id)).toBe(true);
  });

  it('one of two racing workers wins', async () => {
    const [a, b] = [worker('a'), worker('b')];
    const id = randomUUID();
    const won = await Promise.all([a.acquire(id), b.acquire(id)]);
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('keeps a lease alive while its holder lives, and frees it when the holder is gone', async () => {
    const ttlMs = 300;
    const holderConnection = connect();
    const a = worker('a', ttlMs, holderConnection);
    const b = worker('b', ttlMs);
    const id = randomUUID();
    const since = Date.now();
    await a.acquire(id);
    // Renewed every ttl/3: still a's after several TTLs.
    await eventually('three TTLs to pass', () => Date.now() - since > 3 * ttlMs, 5_000);
    expect(await b.acquire(id)).toBe(false);
    // a's worker dies (its connection with it): the lease expires within a TTL.
    holderConnection.disconnect();
    const died = Date.now();
    await eventually('b to take the lease', () => b.acquire(id), 5_000);
    expect(Date.now() - died).toBeLessThan(ttlMs + 1_000);
    // Back, so that closing `a` after the suite reaches Redis (a cluster client that was
    // disconnected queues commands instead of failing them). Whether the lease is still b's then
    // depends on b's 100 ms renewals keeping up on a loaded machine: not what this test is about.
    await holderConnection.connect();
    expect(await holderConnection.ping()).toBe('PONG');
  });

  it('takes back a lease that expired while cut off, unless another holder took it', async () => {
    const ttlMs = 300;
    const lost: string[] = [];
    const connection = connect();
    const a = worker('a', ttlMs, connection, (id) => lost.push(id));
    const b = worker('b', ttlMs);
    const [kept, taken] = [randomUUID(), randomUUID()];
    await a.acquire(kept);
    await a.acquire(taken);
    // a is cut off from Redis for longer than a TTL: both leases expire.
    connection.disconnect();
    const redis = connect();
    // One key per EXISTS: the two leases are in different cluster slots.
    const exists = async (id: string) => (await redis.exists(keys.lease(id))) === 1;
    await eventually('both leases to expire', async () => {
      return !(await exists(kept)) && !(await exists(taken));
    });
    expect(await b.acquire(taken)).toBe(true);
    await connection.connect();
    // Back: the free lease is a's again; the taken one is reported lost. (On a cluster the two
    // leases are on different nodes, so either may be settled first.)
    await eventually(
      'a to take back the free lease and hear of the lost one',
      async () => lost.length === 1 && (await redis.get(keys.lease(kept))) === 'a',
    );
    expect(lost).toEqual([taken]);
    expect(await redis.get(keys.lease(taken))).toBe('b');
  });

  it('lets go of every lease on close', async () => {
    const redis = connect();
    const a = new SessionLeases(redis, 'a');
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) await a.acquire(id);
    await a.close();
    for (const id of ids) expect(await redis.exists(keys.lease(id))).toBe(0);
  });
}
