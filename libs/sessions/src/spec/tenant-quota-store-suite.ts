import { randomUUID } from 'node:crypto';
import type { SessionStore } from '../session-store';
import { queuedTurnMember, turnReservation, type TenantQuotaStore } from '../tenant-quota-store';

/**
 * What the quota ledger must do, on a single Redis and on a Redis Cluster (its two sets share
 * the tenant's hash tag, the session hash is elsewhere).
 */
export function tenantQuotaStoreSuite(
  of: () => { quotas: TenantQuotaStore; sessions: SessionStore },
): void {
  let quotas: TenantQuotaStore;
  let sessions: SessionStore;
  let tenant: string;
  beforeAll(() => ({ quotas, sessions } = of()));
  beforeEach(() => {
    tenant = `t${randomUUID().slice(0, 8)}`;
  });

  const live = (sessionId: string, max: number, mode: 'check' | 'force' = 'check') => ({
    sessionId,
    mode,
    max,
  });

  it('admits exactly up to maxSessions when 20 admissions race for 5 slots', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        quotas.admit({ tenant, live: live(randomUUID(), 5), queued: { member: 'x', max: 100 } }),
      ),
    );
    expect(outcomes.filter((o) => o.admitted)).toHaveLength(5);
    for (const refused of outcomes.filter((o) => !o.admitted)) {
      expect(refused).toEqual({ admitted: false, quota: 'maxSessions', live: 5, queued: 1 });
    }
    expect(await quotas.counts(tenant)).toEqual({ live: 5, queued: 1 });
  });

  it('refuses maxQueuedTurns without taking a live slot, and counts tenants apart', async () => {
    const reserve = (id: string) =>
      quotas.admit({ tenant, live: live(id, 10), queued: { member: turnReservation(id), max: 2 } });
    expect((await reserve(randomUUID())).admitted).toBe(true);
    expect((await reserve(randomUUID())).admitted).toBe(true);
    expect(await reserve(randomUUID())).toEqual({
      admitted: false,
      quota: 'maxQueuedTurns',
      live: 2,
      queued: 2,
    });
    expect(await quotas.counts(tenant)).toEqual({ live: 2, queued: 2 });
    expect(await quotas.counts(`${tenant}-other`)).toEqual({ live: 0, queued: 0 });
  });

  it('counts a session once: a member admitted again takes no new slot, force counts one over', async () => {
    const id = randomUUID();
    const first = await quotas.admit({ tenant, live: live(id, 1) });
    const again = await quotas.admit({ tenant, live: live(id, 1) });
    expect(first).toMatchObject({ admitted: true, addedLive: true, live: 1 });
    expect(again).toMatchObject({ admitted: true, addedLive: false, live: 1 });
    // Every admission gets a later score: a removal decided on the first cannot undo the second.
    expect(Number(again.admitted && again.token)).toBeGreaterThan(
      Number(first.admitted && first.token),
    );
    expect((await quotas.admit({ tenant, live: live(randomUUID(), 1) })).admitted).toBe(false);
    expect(await quotas.admit({ tenant, live: live(randomUUID(), 1, 'force') })).toMatchObject({
      admitted: true,
      live: 2,
    });
  });

  it('binds a reservation to its turn, and lets turns leave', async () => {
    const id = randomUUID();
    const reservation = turnReservation(id);
    await quotas.admit({ tenant, queued: { member: reservation, max: 5 } });
    await quotas.bindTurn(tenant, reservation, id, 3);
    const { queued } = await quotas.members(tenant);
    expect(queued.map((e) => e.member)).toEqual([queuedTurnMember(id, 3)]);
    await quotas.turnsLeft(tenant, id, [3]);
    expect(await quotas.counts(tenant)).toEqual({ live: 0, queued: 0 });
  });

  it('releases an entry only while its score is the one read, and only when old enough', async () => {
    const id = randomUUID();
    const first = await quotas.admit({ tenant, live: live(id, 5) });
    if (!first.admitted) throw new Error('not admitted');
    const old = { member: id, score: first.token };
    expect(await quotas.releaseIf(tenant, 'live', [{ ...old, minAgeMs: 60_000 }])).toBe(0);
    await quotas.admit({ tenant, live: live(id, 5) }); // woken again: a new score
    expect(await quotas.releaseIf(tenant, 'live', [{ ...old, minAgeMs: 0 }])).toBe(0);
    const [current] = (await quotas.members(tenant)).live;
    expect(await quotas.releaseIf(tenant, 'live', [{ ...current, minAgeMs: 0 }])).toBe(1);
    expect(await quotas.counts(tenant)).toEqual({ live: 0, queued: 0 });
  });

  it('records the newest admission on the session hash, never creating one', async () => {
    const { id } = await sessions.create(tenant, {});
    await quotas.markLive(id, '2000');
    await quotas.markLive(id, '1000'); // an older admission marked late does not win
    const missing = randomUUID();
    await quotas.markLive(missing, '3000');
    expect(await quotas.liveTruth([id, missing])).toEqual([
      { status: 'queued', tenant, token: '2000' },
      { status: undefined, tenant: undefined, token: undefined },
    ]);
    expect(await sessions.find(missing)).toBeUndefined();
  });
}
