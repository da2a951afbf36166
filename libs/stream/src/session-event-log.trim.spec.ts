import { keys } from '@app/contracts';
import { SessionEventLog } from './session-event-log';
import { newSessionId, useRedisFixture } from './spec/redis-fixture';

/** MAXLEN ~ trimming and the cursor that fell off the trimmed head. */
describe('SessionEventLog trimming (real Redis)', () => {
  const redis = useRedisFixture({ label: 'stream-trim' });
  const MAX_LEN = 100;

  async function trimmedSession() {
    const client = redis.client();
    const log = new SessionEventLog(client, { maxLen: MAX_LEN });
    const id = newSessionId();
    const appended = [];
    for (let i = 0; i < 1_000; i += 50) {
      const batch = Array.from({ length: 50 }, (_, j) => ({
        turn: 1,
        kind: 'claude' as const,
        data: { n: i + j },
      }));
      appended.push(...(await log.append(id, batch)));
    }
    const [[oldestId]] = await client.xrange(keys.events(id), '-', '+', 'COUNT', 1);
    const oldest = appended.findIndex((e) => e.id === oldestId);
    return { client, log, id, appended, lastTrimmed: oldest - 1 };
  }

  it('caps the stream near maxLen and keeps the newest events', async () => {
    const { client, log, id, appended } = await trimmedSession();
    const length = await client.xlen(keys.events(id));
    expect(length).toBeGreaterThanOrEqual(MAX_LEN);
    expect(length).toBeLessThan(MAX_LEN + 150); // "~" trims whole radix-tree nodes only
    expect(await log.lastId(id)).toBe(appended[999].id);
  });

  it('flags a read from the start once the head was trimmed', async () => {
    const { log, id, appended } = await trimmedSession();
    const page = await log.read(id, { limit: 10 });
    expect(page.truncated).toBe(true);
    expect(page.events[0].seq).toBeGreaterThan(1);
    expect(page.events[0].seq).toBe(appended.find((e) => e.id === page.events[0].id)?.seq);
    // Going on from `next` is back on solid ground.
    expect((await log.read(id, { after: page.next, limit: 10 })).truncated).toBe(false);
  });

  it('flags a cursor whose successors were trimmed, and only that', async () => {
    const { log, id, appended, lastTrimmed } = await trimmedSession();
    expect(lastTrimmed).toBeGreaterThan(0);

    // Older than the last trimmed event: something after the cursor is gone.
    const stale = await log.read(id, { after: appended[lastTrimmed - 1].id, limit: 5 });
    expect(stale.truncated).toBe(true);
    expect(stale.events[0].seq).toBe(lastTrimmed + 2);

    // Exactly the last trimmed event: the cursor is gone but nothing after it; no false alarm.
    const boundary = await log.read(id, { after: appended[lastTrimmed].id, limit: 5 });
    expect(boundary.truncated).toBe(false);
    expect(boundary.events[0].seq).toBe(lastTrimmed + 2);

    // A retained cursor: the ordinary fast path.
    const retained = await log.read(id, { after: appended[990].id, limit: 5 });
    expect(retained).toMatchObject({ truncated: false });
    expect(retained.events.map((e) => e.seq)).toEqual([992, 993, 994, 995, 996]);
  });

  it('makes ids "<ms>-<seq>", so a cursor carries the seq that must come next', async () => {
    const log = new SessionEventLog(redis.client(), { maxLen: MAX_LEN });
    const id = newSessionId();
    const events = await log.append(id, [{ turn: 1, kind: 'status', data: 'x' }]);
    expect(events[0].id).toMatch(/^\d{13}-1$/);
    const page = await log.read(id, { after: '1-0', limit: 5 });
    expect(page).toEqual({ events, next: events[0].id, truncated: false });
  });

  it('keeps ids increasing when the stream is ahead of the clock', async () => {
    const client = redis.client();
    const log = new SessionEventLog(client, { maxLen: MAX_LEN });
    const id = newSessionId();
    // A foreign entry far in the future (as after a clock step back, or another writer).
    const future = `${Date.now() + 3_600_000}-5`;
    await client.xadd(
      keys.events(id),
      future,
      'seq',
      '0',
      'turn',
      '0',
      'kind',
      'status',
      'ts',
      '0',
      'data',
      '0',
    );
    const [event] = await log.append(id, [{ turn: 1, kind: 'status', data: 'after' }]);
    expect(event.id).toBe(`${Number(future.split('-')[0]) + 1}-1`);
  });
});
