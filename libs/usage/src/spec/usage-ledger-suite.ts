import { randomUUID } from 'node:crypto';
import { eventually } from '@app/testing/eventually';
import { UsageLedger, utcDayOf, type TurnUsage } from '../usage-ledger';

/** A turn's usage with `n` as its size, so sums are easy to check by hand. */
function turnOf(sessionId: string, turn: number, n: number, costUsd: number): TurnUsage {
  return {
    sessionId,
    turn,
    usage: {
      input_tokens: n,
      output_tokens: 2 * n,
      cache_creation_input_tokens: 3 * n,
      cache_read_input_tokens: 4 * n,
    },
    costUsd,
  };
}

/** A millisecond after `ms` has begun, so the next entry is dated later (stream ids are ms). */
const after = (ms: number) => eventually('a later millisecond', async () => Date.now() > ms + 1);

/** What every deployment's usage ledger must do, on a single Redis and on a cluster. */
export function usageLedgerContract(redisOf: () => ConstructorParameters<typeof UsageLedger>[0]) {
  let ledger: UsageLedger;
  beforeAll(() => {
    ledger = new UsageLedger(redisOf());
  });

  it('sums a window per session and in total, and leaves out turns outside it', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const [a, b] = [randomUUID(), randomUUID()];
    const from = Date.now();
    const { at: first } = await ledger.record(tenant, turnOf(a, 1, 10, 0.25));
    await after(first);
    const { at: second } = await ledger.record(tenant, turnOf(a, 2, 1, 0.5));
    await ledger.record(tenant, turnOf(b, 1, 100, 2));
    const to = Date.now() + 1;

    const all = await ledger.window(tenant, { from, to });
    expect(all.total).toEqual({
      turns: 3,
      usage: {
        input_tokens: 111,
        output_tokens: 222,
        cache_creation_input_tokens: 333,
        cache_read_input_tokens: 444,
      },
      costUsd: 2.75,
    });
    // The costliest session first.
    expect(all.sessions.map((s) => [s.sessionId, s.turns, s.costUsd])).toEqual([
      [b, 1, 2],
      [a, 2, 0.75],
    ]);

    // A window that starts after the first turn ended leaves it out.
    const later = await ledger.window(tenant, { from: second, to });
    expect(later.sessions.find((s) => s.sessionId === a)).toMatchObject({
      turns: 1,
      costUsd: 0.5,
      usage: { input_tokens: 1 },
    });
    // `to` is excluded: a window that ends where the second turn is dated holds only the first.
    const before = await ledger.window(tenant, { from, to: second });
    expect(before.total).toMatchObject({ turns: 1, costUsd: 0.25 });

    const one = await ledger.window(tenant, { from, to, sessionId: b });
    expect(one.sessions.map((s) => s.sessionId)).toEqual([b]);
    expect(one.total).toMatchObject({ turns: 1, costUsd: 2 });
    expect(await ledger.window(tenant, { from: to, to: from })).toEqual({
      total: { turns: 0, usage: expect.any(Object), costUsd: 0 },
      sessions: [],
    });
  });

  it('keeps tenants apart: neither sums nor day spend cross', async () => {
    const [acme, globex] = [`a-${randomUUID().slice(0, 8)}`, `g-${randomUUID().slice(0, 8)}`];
    const s = randomUUID();
    const from = Date.now();
    await ledger.record(acme, turnOf(s, 1, 5, 1.5));
    const to = Date.now() + 1;
    expect((await ledger.window(acme, { from, to })).total.turns).toBe(1);
    expect(await ledger.window(globex, { from, to })).toMatchObject({
      total: { turns: 0, costUsd: 0 },
      sessions: [],
    });
    // Another tenant asking for this very session finds nothing of it.
    expect((await ledger.window(globex, { from, to, sessionId: s })).sessions).toEqual([]);
    expect(await ledger.daySpend(acme)).toBeCloseTo(1.5, 10);
    expect(await ledger.daySpend(globex)).toBe(0);
  });

  it('counts spend per UTC day, with a counter that expires', async () => {
    const tenant = `d-${randomUUID().slice(0, 8)}`;
    const lateMonday = Date.UTC(2031, 0, 6, 23, 59, 59);
    const tuesday = Date.UTC(2031, 0, 7, 0, 0, 1);
    const fresh = new UsageLedger(redisOf(), { retentionMs: 1000 * 24 * 3600 * 1000 });
    await fresh.record(tenant, turnOf(randomUUID(), 1, 1, 0.1), lateMonday);
    const second = await fresh.record(tenant, turnOf(randomUUID(), 1, 1, 0.2), lateMonday);
    expect(second.daySpend).toBeCloseTo(0.3, 10);
    await fresh.record(tenant, turnOf(randomUUID(), 1, 1, 0.4), tuesday);
    expect(await fresh.daySpend(tenant, lateMonday)).toBeCloseTo(0.3, 10);
    expect(await fresh.daySpend(tenant, tuesday)).toBeCloseTo(0.4, 10);
    expect(utcDayOf(tuesday)).toBe('2031-01-07');
  });

  it('trims entries older than its retention', async () => {
    const tenant = `r-${randomUUID().slice(0, 8)}`;
    const short = new UsageLedger(redisOf(), { retentionMs: 1 });
    const from = Date.now();
    const { at: first } = await short.record(tenant, turnOf(randomUUID(), 1, 1, 1));
    await after(first);
    await short.record(tenant, turnOf(randomUUID(), 1, 1, 2));
    const left = await short.window(tenant, { from, to: Date.now() + 1 });
    expect(left.total).toMatchObject({ turns: 1, costUsd: 2 });
  });

  it('reads a window larger than one page', async () => {
    const tenant = `p-${randomUUID().slice(0, 8)}`;
    const paged = new UsageLedger(redisOf(), { pageSize: 3 });
    const s = randomUUID();
    const from = Date.now();
    for (let turn = 1; turn <= 7; turn++) await paged.record(tenant, turnOf(s, turn, 1, 0.125));
    const sums = await paged.window(tenant, { from, to: Date.now() + 1 });
    expect(sums.total).toMatchObject({ turns: 7, costUsd: 0.875, usage: { input_tokens: 7 } });
  });
}
