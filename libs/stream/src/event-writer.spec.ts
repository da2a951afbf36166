import { useTestRedisTarget } from '@app/testing/services';
import { EventWriter } from './event-writer';
import { SessionEventLog } from './session-event-log';
import { eventWriterSuite, expectContiguous, line, readAll } from './spec/event-writer-suite';
import { newSessionId, useRedisFixture } from './spec/redis-fixture';

describe('EventWriter (real Redis)', () => {
  eventWriterSuite(useTestRedisTarget({ topology: 'single', label: 'stream-writer' }));
});

/** One server only: CONFIG RESETSTAT and the call counts are per node. */
describe('EventWriter batching (one private Redis)', () => {
  // Private server: the suite counts script calls with CONFIG RESETSTAT.
  const redis = useRedisFixture({ label: 'stream-writer', faultInjection: true });

  it('sends the first event of an idle writer at once and batches the rest behind it', async () => {
    const client = redis.client();
    const log = new SessionEventLog(client);
    const id = newSessionId();
    const writer = new EventWriter(log, id);
    // No timer in the way: an idle writer's flush completes in about one round trip. The median
    // of 20 keeps a shared machine's occasional stall out of the verdict.
    const took: number[] = [];
    for (let n = 0; n < 20; n++) {
      const started = performance.now();
      writer.push(line(n));
      await writer.flush();
      took.push(performance.now() - started);
    }
    expect(median(took)).toBeLessThan(50);

    await client.config('RESETSTAT');
    for (let n = 20; n < 2_000; n++) writer.push(line(n));
    await writer.flush();
    const events = await readAll(log, id);
    expectContiguous(events);
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual(events.map((_, i) => i));
    // 1,980 events in a few script calls: a batch of 1, then the rest in batches of 200.
    const stats = await client.info('commandstats');
    const calls = [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].map((m) => Number(m[1]));
    expect(calls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(12);
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
