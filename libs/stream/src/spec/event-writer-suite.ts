import type { SessionEvent } from '@app/contracts';
import type { TestRedisTarget } from '@app/testing/services';
import { encodeEvent } from '../codec';
import { EventWriterClosedError, MissingBatchError } from '../errors';
import { EventWriter } from '../event-writer';
import { SessionEventLog } from '../session-event-log';
import { newSessionId } from './redis-fixture';

/** A claude event numbered `n`, from writer `w`. */
export const line = (n: number, w = 0) => ({ turn: 1, kind: 'claude' as const, data: { w, n } });

/** Every event of the session, paged. */
export async function readAll(log: SessionEventLog, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  for (let after: string | undefined; ;) {
    const page = await log.read(sessionId, { after, limit: 1000 });
    if (page.events.length === 0) return events;
    events.push(...page.events);
    after = page.next;
  }
}

export function expectContiguous(events: SessionEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}

/** What EventWriter must do on real Redis, a single server or a cluster alike. */
export function eventWriterSuite(target: () => TestRedisTarget): void {
  it('keeps seq contiguous and each writer in push order with two writers on one session', async () => {
    const id = newSessionId();
    const logs = [new SessionEventLog(target().client()), new SessionEventLog(target().client())];
    const writers = logs.map((log) => new EventWriter(log, id, { maxBatchEvents: 7 }));
    for (let n = 0; n < 3_000; n++) {
      writers[n % 2].push(line(n, n % 2));
      if (n % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(writers.map((w) => w.close()));
    const events = await readAll(logs[0], id);
    expect(events.length).toBe(3_000);
    expectContiguous(events);
    for (const w of [0, 1]) {
      const mine = events.map((e) => e.data as { w: number; n: number }).filter((d) => d.w === w);
      expect(mine.map((d) => d.n)).toEqual(mine.map((_, i) => i * 2 + w));
    }
    expect(() => writers[0].push(line(1))).toThrow(EventWriterClosedError);
  });

  it('ignores a resent batch and refuses one that skips ahead (dedup mark)', async () => {
    const log = new SessionEventLog(target().client());
    const id = newSessionId();
    const batch = (number: number) => ({ number, events: [encodeEvent(line(number), 1)] });
    await log.appendBatches(id, 'writer:test', [batch(1), batch(2)]);
    await log.appendBatches(id, 'writer:test', [batch(1), batch(2)]); // an unanswered call, resent
    await expect(log.appendBatches(id, 'writer:test', [batch(4)])).rejects.toThrow(
      MissingBatchError,
    );
    await log.appendBatches(id, 'writer:test', [batch(3), batch(4)]);
    const events = await readAll(log, id);
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4]);
    expectContiguous(events);
  });
}
