import { channels, keys, type SessionEvent } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import { decodeNotification } from '../entry-decoder';
import { InvalidEventCursorError, InvalidSessionEventError } from '../errors';
import { SessionEventLog } from '../session-event-log';
import type { TestRedisTarget } from '@app/testing/services';
import { newSessionId } from './redis-fixture';

const claude = (n: number) => ({
  turn: 1,
  kind: 'claude' as const,
  data: { type: 'assistant', n },
});

async function readAll(log: SessionEventLog, sessionId: string, limit: number) {
  const events: SessionEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await log.read(sessionId, { after, limit });
    expect(page.truncated).toBe(false);
    if (page.events.length === 0) return events;
    events.push(...page.events);
    after = page.next;
  }
}

/** What SessionEventLog must do on real Redis, a single server or a cluster alike. */
export function sessionEventLogSuite(target: () => TestRedisTarget): void {
  it('numbers a batch from 1 and reads back exactly what was appended', async () => {
    const log = new SessionEventLog(target().client());
    const id = newSessionId();
    const appended = await log.append(id, [
      claude(1),
      { turn: 1, kind: 'stderr', data: 'héllo ✓', ts: 1234 },
      { turn: 2, kind: 'status', data: undefined },
    ]);
    expect(appended.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(appended[1].ts).toBe(1234);
    expect(appended[2].data).toBeNull();
    const page = await log.read(id, { limit: 10 });
    expect(page).toEqual({ events: appended, next: appended[2].id, truncated: false });
    expect(await log.lastId(id)).toBe(appended[2].id);
  });

  it('keeps seq in the session hash and events under the contract keys', async () => {
    const client = target().client();
    const log = new SessionEventLog(client);
    const id = newSessionId();
    await log.append(id, [claude(1), claude(2)]);
    expect(await client.hget(keys.session(id), 'eventSeq')).toBe('2');
    expect(await client.xlen(keys.events(id))).toBe(2);
  });

  it('notifies once per batch on the prefixed channel, carrying the batch when small, else its last id', async () => {
    const client = target().client();
    const log = new SessionEventLog(client);
    const idOnly = new SessionEventLog(client, { inlineNotifyBytes: 10 });
    const sub = target().client();
    const id = newSessionId();
    const messages: string[] = [];
    sub.on('message', (_channel: string, message: string) => messages.push(message));
    await sub.subscribe(target().keyPrefix + channels.events(id));
    expect(log.notifyChannel(id)).toBe(target().keyPrefix + channels.events(id));
    const small = await log.append(id, [claude(1), { turn: 2, kind: 'stderr', data: 'a\nb' }]);
    const [large] = await idOnly.append(id, [claude(3)]);
    await eventually('two notifications', () => messages.length === 2);
    expect(decodeNotification(messages[0])).toEqual(small);
    expect(messages[1]).toBe(large.id);
    expect(decodeNotification(messages[1])).toBeUndefined();
  });

  it('keeps seq contiguous and ids increasing under concurrent appends on two connections', async () => {
    const logs = [new SessionEventLog(target().client()), new SessionEventLog(target().client())];
    const id = newSessionId();
    await Promise.all(
      logs.map(async (log, w) => {
        for (let i = 0; i < 100; i++) {
          const batch = Array.from({ length: 1 + (i % 7) }, (_, j) => ({
            turn: 1,
            kind: 'claude' as const,
            data: { w, i, j },
          }));
          await Promise.all([log.append(id, batch), log.append(id, batch)]);
        }
      }),
    );
    const events = await readAll(logs[0], id, 1000);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (let i = 1; i < events.length; i++)
      expect(idLess(events[i - 1].id, events[i].id)).toBe(true);
  });

  it('pages through 10k events with limit 100, losing and duplicating nothing', async () => {
    const log = new SessionEventLog(target().client());
    const id = newSessionId();
    for (let i = 0; i < 10_000; i += 500) {
      await log.append(
        id,
        Array.from({ length: 500 }, (_, j) => claude(i + j)),
      );
    }
    const events = await readAll(log, id, 100);
    expect(events.length).toBe(10_000);
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual(events.map((_, i) => i));
    expect(new Set(events.map((e) => e.id)).size).toBe(10_000);
    // A cursor in the middle returns exactly what follows it.
    const middle = await log.read(id, { after: events[4_321].id, limit: 3 });
    expect(middle.events.map((e) => e.seq)).toEqual([4_323, 4_324, 4_325]);
    // The cursor at the end returns nothing and keeps the cursor.
    expect(await log.read(id, { after: events[9_999].id, limit: 10 })).toEqual({
      events: [],
      next: events[9_999].id,
      truncated: false,
    });
  });

  it('reads an unknown session as empty, not truncated', async () => {
    const log = new SessionEventLog(target().client());
    const id = newSessionId();
    expect(await log.read(id, { limit: 5 })).toEqual({ events: [], next: '0-0', truncated: false });
    expect(await log.read(id, { after: '123-4', limit: 5 })).toEqual({
      events: [],
      next: '123-4',
      truncated: false,
    });
    expect(await log.lastId(id)).toBeUndefined();
  });

  it('rejects bad cursors, limits and events with actionable errors', async () => {
    const log = new SessionEventLog(target().client());
    const id = newSessionId();
    await expect(log.read(id, { after: 'abc', limit: 5 })).rejects.toThrow(InvalidEventCursorError);
    await expect(log.read(id, { after: '1-2-3', limit: 5 })).rejects.toThrow(
      /expected an event id/,
    );
    await expect(log.read(id, { limit: 0 })).rejects.toThrow(RangeError);
    await expect(log.append(id, [{ turn: -1, kind: 'claude', data: 1 }])).rejects.toThrow(
      InvalidSessionEventError,
    );
    await expect(log.append(id, [{ turn: 1, kind: 'bogus' as 'claude', data: 1 }])).rejects.toThrow(
      /kind must be one of/,
    );
    expect(() => new SessionEventLog(target().client(), { maxLen: 0 })).toThrow(RangeError);
  });

  it('turns a malformed entry into an error event in place instead of failing the read', async () => {
    const client = target().client();
    const log = new SessionEventLog(client);
    const id = newSessionId();
    await log.append(id, [claude(1)]);
    await client.xadd(keys.events(id), '*', 'seq', 'x', 'data', '{not json');
    await client.xadd(keys.events(id), '*', 'seq', '3', 'turn', '1', 'kind', 'claude', 'ts', '5');
    await log.append(id, [claude(4)]);
    const { events } = await log.read(id, { limit: 10 });
    expect(events.map((e) => e.kind)).toEqual(['claude', 'error', 'error', 'claude']);
    expect(events[1].data).toMatchObject({ reason: 'malformed_stream_entry' });
    expect(events[2].seq).toBe(3);
    const after = await log.read(id, { after: events[2].id, limit: 10 });
    expect(after.events.map((e) => e.data)).toEqual([{ type: 'assistant', n: 4 }]);
  });

  it('reads one turn backwards from the newest event, oldest first', async () => {
    const log = new SessionEventLog(target().client());
    const id = newSessionId();
    const turn = (t: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ turn: t, kind: 'claude' as const, data: { t, i } }));
    await log.append(id, turn(1, 250));
    await log.append(id, turn(2, 450));
    await log.append(id, turn(3, 3));
    const second = await log.turnEvents(id, 2);
    expect(second).toHaveLength(450);
    expect(second.map((e) => (e.data as { i: number }).i)).toEqual([...Array(450).keys()]);
    expect((await log.turnEvents(id, 3)).map((e) => e.turn)).toEqual([3, 3, 3]);
    expect(await log.turnEvents(id, 4)).toEqual([]);
    expect(await log.turnEvents(id, 2, 100)).toHaveLength(100);
  });
}

function idLess(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am < bm || (am === bm && as < bs);
}
