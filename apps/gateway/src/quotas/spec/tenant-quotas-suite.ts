import { randomUUID } from 'node:crypto';
import { DEFAULT_TENANT_LIMITS, type TenantLimits } from '@app/config';
import { QuotaExceeded, type TurnJob } from '@app/contracts';
import { TurnConsumer, TurnQueue } from '@app/queue';
import { SessionStore, TenantQuotaStore } from '@app/sessions';
import { SessionEventLog } from '@app/stream';
import { eventually } from '@app/testing';
import type { TestRedisTarget } from '@app/testing/services';
import { SessionService, type CallContext } from '../../sessions/session.service';
import { TenantQuotas } from '../tenant-quotas';

const unused = () => {
  throw new Error('not used by these specs');
};

/**
 * The quotas through the session service, against real Redis and a real BullMQ queue (a single
 * server or a cluster): what session_start, session_send, session_interrupt and
 * session_terminate admit, refuse and give back. The worker's side is the one line TurnRunner
 * runs first: a taken turn leaves the tenant's queued turns.
 */
export function tenantQuotasSuite(target: () => TestRedisTarget): void {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  /**
   * A gateway's session service with `limits` for every tenant, on its own connection and a
   * queue of its own (or the one under `queuePrefix`, shared with another gateway).
   */
  function gateway(
    limits: Partial<TenantLimits>,
    { graceMs = 30_000, queuePrefix = `${target().keyPrefix}${randomUUID().slice(0, 8)}:` } = {},
  ) {
    const client = target().client();
    const queueRedis = target().queueRedis(queuePrefix);
    const queue = new TurnQueue(queueRedis);
    closers.push(() => queue.close());
    const sessions = new SessionStore(client);
    const store = new TenantQuotaStore(client);
    const quotas = new TenantQuotas({
      store,
      queue,
      limits: { defaults: { ...DEFAULT_TENANT_LIMITS, ...limits }, tenants: {} },
      admissionGraceMs: graceMs,
    });
    const service = new SessionService({
      sessions,
      checkpoints: { read: unused },
      queue,
      events: new SessionEventLog(client, { maxLen: 100 }),
      relay: { events: unused },
      control: { send: async () => undefined },
      waiter: { wait: unused },
      seeder: { originOf: unused },
      quotas,
    });
    /** A worker taking turns as TurnRunner does: the turn leaves the queued count first. */
    const worker = () => {
      const consumer = new TurnConsumer({ redis: queueRedis, concurrency: 4 });
      consumer.start({
        run: async (job: TurnJob) => {
          await store.turnsLeft(job.tenant, job.sessionId, [job.turn]);
          return { kind: 'done', subtype: 'success', isError: false };
        },
        giveUp: async () => undefined,
      });
      closers.push(() => consumer.close());
    };
    const jobsOf = async (sessionId: string, turns: number[]) =>
      queue.turnStates(turns.map((turn) => ({ sessionId, turn })));
    return { service, sessions, store, quotas, worker, jobsOf, queuePrefix, queueRedis };
  }

  const call = (tenant: string): CallContext => ({
    tenant,
    signal: new AbortController().signal,
  });
  const newTenant = () => `t${randomUUID().slice(0, 8)}`;
  const refusal = (error: unknown) => {
    if (!(error instanceof QuotaExceeded)) throw error;
    return error;
  };
  /** The QuotaExceeded a call is refused with. */
  const refused = (call: Promise<unknown>): Promise<QuotaExceeded> =>
    call.then(() => {
      throw new Error('the call was not refused');
    }, refusal);

  it('20 parallel session_start on two gateways for 5 slots: exactly 5 sessions, nothing else', async () => {
    const g = gateway({ maxSessions: 5 });
    const other = gateway({ maxSessions: 5 }, { queuePrefix: g.queuePrefix });
    const acme = newTenant();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? other : g).service.start({ prompt: `p${i}` }, call(acme)),
      ),
    );
    const started = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(started).toHaveLength(5);
    for (const o of outcomes) {
      if (o.status === 'fulfilled') continue;
      expect(refusal(o.reason).use).toEqual({
        quota: 'maxSessions',
        tenant: acme,
        limit: 5,
        used: 5,
      });
      expect(refusal(o.reason).message).toMatch(
        new RegExp(
          `^${acme} has 5 live sessions .*the most maxSessions allows \\(5\\): terminate one \\(session_terminate\\)`,
        ),
      );
    }
    const listed = await g.sessions.list(acme, { limit: 50 });
    expect(listed.sessions.map((s) => s.id).sort()).toEqual(started.map((s) => s.sessionId).sort());
    for (const s of started) expect(await g.jobsOf(s.sessionId, [1])).toEqual(['queued']);
    expect(await g.store.counts(acme)).toEqual({ live: 5, queued: 5 });
  });

  it('a hibernated or terminated session frees its slot; waking one at the limit is refused', async () => {
    const g = gateway({ maxSessions: 2 });
    const acme = newTenant();
    const [a, b] = [
      await g.service.start({ prompt: 'a' }, call(acme)),
      await g.service.start({ prompt: 'b' }, call(acme)),
    ];
    // a's turn ran on a worker and the session hibernated.
    g.worker();
    await eventually('both turns taken', async () => (await g.store.counts(acme)).queued === 0);
    for (const status of ['running', 'idle', 'hibernated'] as const)
      await g.sessions.transition(a.sessionId, status);
    const c = await g.service.start({ prompt: 'c' }, call(acme));
    await expect(g.service.start({ prompt: 'd' }, call(acme))).rejects.toThrow(
      /has 2 live sessions/,
    );
    // Waking a takes a slot: refused, and nothing changed on it.
    const wake = g.service.send({ sessionId: a.sessionId, message: 'again' }, call(acme));
    await expect(wake).rejects.toThrow(
      new RegExp(`session ${a.sessionId} is hibernated and waking it takes a slot`),
    );
    expect(await g.sessions.get(acme, a.sessionId)).toMatchObject({
      status: 'hibernated',
      turns: 1,
    });
    expect(await g.jobsOf(a.sessionId, [2])).toEqual(['missing']);
    // Terminating b frees its slot at once: a wakes.
    await g.service.terminate(b.sessionId, call(acme));
    expect(await g.store.counts(acme)).toMatchObject({ live: 1 });
    expect(
      await g.service.send({ sessionId: a.sessionId, message: 'again' }, call(acme)),
    ).toMatchObject({ status: 'queued', turn: 2 });
    expect((await g.store.members(acme)).live.map((e) => e.member).sort()).toEqual(
      [a.sessionId, c.sessionId].sort(),
    );
  });

  it("one tenant's use never counts for another", async () => {
    const g = gateway({ maxSessions: 2, maxQueuedTurns: 3 });
    const [acme, globex] = [newTenant(), newTenant()];
    const { sessionId } = await g.service.start({ prompt: 'a' }, call(acme));
    await g.service.start({ prompt: 'b' }, call(acme));
    await g.service.send({ sessionId, message: 'c' }, call(acme));
    await expect(g.service.start({ prompt: 'x' }, call(acme))).rejects.toThrow(QuotaExceeded);
    await g.service.start({ prompt: 'g' }, call(globex));
    await g.service.start({ prompt: 'g' }, call(globex));
    expect(await g.store.counts(acme)).toEqual({ live: 2, queued: 3 });
    expect(await g.store.counts(globex)).toEqual({ live: 2, queued: 2 });
  });

  it('queued turns count until a worker takes them, and come back when dropped', async () => {
    const g = gateway({ maxSessions: 10, maxQueuedTurns: 3 });
    const acme = newTenant();
    const a = await g.service.start({ prompt: 'a1' }, call(acme));
    await g.service.send({ sessionId: a.sessionId, message: 'a2' }, call(acme));
    const b = await g.service.start({ prompt: 'b1' }, call(acme));
    const over = await refused(
      g.service.send({ sessionId: b.sessionId, message: 'b2' }, call(acme)),
    );
    expect(over.use).toEqual({ quota: 'maxQueuedTurns', tenant: acme, limit: 3, used: 3 });
    expect(over.message).toMatch(/has 3 turns queued and not started, the most maxQueuedTurns/);
    expect(await g.sessions.get(acme, b.sessionId)).toMatchObject({ turns: 1 });
    await expect(g.service.start({ prompt: 'c' }, call(acme))).rejects.toThrow(/maxQueuedTurns/);
    expect((await g.sessions.list(acme, { limit: 10 })).sessions).toHaveLength(2);
    // Interrupted while queued: b's turn is dropped and no longer counts.
    expect(await g.service.interrupt(b.sessionId, call(acme))).toMatchObject({
      outcome: 'dropped',
    });
    expect(await g.store.counts(acme)).toEqual({ live: 2, queued: 2 });
    // Terminated while queued: both of a's turns go.
    await g.service.terminate(a.sessionId, call(acme));
    expect(await g.store.counts(acme)).toEqual({ live: 1, queued: 0 });
    // A turn taken by a worker leaves the count.
    await g.service.send({ sessionId: b.sessionId, message: 'b2' }, call(acme));
    expect(await g.store.counts(acme)).toEqual({ live: 1, queued: 1 });
    g.worker();
    await eventually('the turn taken', async () => (await g.store.counts(acme)).queued === 0);
    expect(await g.jobsOf(b.sessionId, [2])).toEqual(['taken']);
  });

  it('what a crashed gateway admitted is given back once the grace has passed', async () => {
    const g = gateway({ maxSessions: 1, maxQueuedTurns: 5 }, { graceMs: 500 });
    const acme = newTenant();
    // Admitted, then the gateway died before it created the session or enqueued the turn.
    await g.store.admit({
      tenant: acme,
      live: { sessionId: randomUUID(), mode: 'check', max: 1 },
      queued: { member: `${randomUUID()}:1`, max: 5 },
    });
    await expect(g.service.start({ prompt: 'a' }, call(acme))).rejects.toThrow(
      /has 1 live sessions/,
    );
    await eventually(
      'the leftover admission to lapse',
      async () => (await g.quotas.reconcile(acme)).live === 0,
    );
    expect(await g.store.counts(acme)).toEqual({ live: 0, queued: 0 });
    await g.service.start({ prompt: 'a' }, call(acme));
  });

  it("queues each turn at its place in its tenant's backlog: a quiet tenant goes next", async () => {
    const g = gateway({});
    const [noisy, quiet] = [newTenant(), newTenant()];
    for (let i = 0; i < 20; i++) await g.service.start({ prompt: `n${i}` }, call(noisy));
    const { sessionId } = await g.service.start({ prompt: 'q' }, call(quiet));
    const taken: string[] = [];
    const consumer = new TurnConsumer({ redis: g.queueRedis, concurrency: 1 });
    consumer.start({
      run: async (job: TurnJob) => {
        taken.push(job.sessionId);
        return { kind: 'done', subtype: 'success', isError: false };
      },
      giveUp: async () => undefined,
    });
    closers.push(() => consumer.close());
    await eventually('every turn to be taken', () => taken.length === 21);
    // Behind noisy's first turn only (the same place, queued earlier), not all twenty.
    expect(taken.indexOf(sessionId)).toBe(1);
  });
}
