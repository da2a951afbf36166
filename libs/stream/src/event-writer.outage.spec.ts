import type { SessionEvent } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import { EventFlushTimeoutError, EventWriterStalledError } from './errors';
import { EventWriter } from './event-writer';
import { SessionEventLog } from './session-event-log';
import { newSessionId, useRedisFixture } from './spec/redis-fixture';

const line = (n: number) => ({ turn: 1, kind: 'claude' as const, data: { n } });

async function readAll(log: SessionEventLog, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  for (let after: string | undefined; ;) {
    const page = await log.read(sessionId, { after, limit: 1000 });
    if (page.events.length === 0) return events;
    events.push(...page.events);
    after = page.next;
  }
}

/** A producer that honours backpressure, like a worker pausing the CLI's stdout. */
async function produce(writer: EventWriter, from: number, to: number, progress: { n: number }) {
  for (let n = from; n < to; n++) {
    if (!writer.push(line(n))) await writer.waitForCapacity();
    progress.n = n + 1;
  }
}

describe('EventWriter across a Redis outage (real Redis, stopped and restarted)', () => {
  // AOF: what was appended before the stop must still be there after it.
  const redis = useRedisFixture({
    label: 'stream-outage',
    faultInjection: true,
    persistence: 'aof',
  });
  const MAX_PENDING = 100;

  async function runOutage(clientOptions: { maxRetriesPerRequest: number | null }) {
    const log = new SessionEventLog(redis.client(clientOptions));
    const id = newSessionId();
    const errors: Error[] = [];
    const writer = new EventWriter(log, id, {
      maxPendingEvents: MAX_PENDING,
      stallTimeoutMs: 200,
      retryMaxMs: 200,
      onError: (e) => errors.push(e),
    });
    const progress = { n: 0 };
    await produce(writer, 0, 500, progress);
    await writer.flush();

    await redis.server().stop();
    const producing = produce(writer, 500, 3_000, progress);
    await eventually('the producer to block on backpressure', () => !writer.hasCapacity);
    // A stall (after stallTimeoutMs) or a failed attempt: retries have been going on meanwhile.
    await eventually('the writer to report the outage', () => errors.length > 0);
    // Bounded: the producer is paused, the writer holds at most its limit.
    expect(writer.stats.pendingEvents).toBeLessThanOrEqual(MAX_PENDING);
    expect(progress.n).toBeLessThanOrEqual(500 + MAX_PENDING);
    await expect(writer.flush(100)).rejects.toThrow(EventFlushTimeoutError);

    await redis.server().start();
    await producing;
    await writer.close();
    const events = await readAll(log, id);
    expect(events.length).toBe(3_000);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual(events.map((_, i) => i));
    return { errors, writer };
  }

  it('with ioredis queueing (no retry limit): bounded, reports the stall, loses nothing', async () => {
    const { errors, writer } = await runOutage({ maxRetriesPerRequest: null });
    expect(errors.some((e) => e instanceof EventWriterStalledError)).toBe(true);
    expect(writer.stats.failedAttempts).toBe(0);
  });

  it('with failing commands (maxRetriesPerRequest 0): retries, no duplicates, nothing lost', async () => {
    const { errors, writer } = await runOutage({ maxRetriesPerRequest: 0 });
    expect(writer.stats.failedAttempts).toBeGreaterThan(0);
    expect(errors.some((e) => !(e instanceof EventWriterStalledError))).toBe(true);
  });

  it('close() gives up after its timeout while Redis is down, and says how many were lost', async () => {
    const log = new SessionEventLog(redis.client({ maxRetriesPerRequest: 0 }));
    const writer = new EventWriter(log, newSessionId(), { retryMaxMs: 50 });
    await redis.server().stop();
    try {
      for (let n = 0; n < 10; n++) writer.push(line(n));
      const failure = await writer.close(300).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(EventFlushTimeoutError);
      expect((failure as EventFlushTimeoutError).pendingEvents).toBe(10);
      expect((failure as Error).message).toMatch(/check that Redis is reachable/);
    } finally {
      await redis.server().start();
    }
  });
});
