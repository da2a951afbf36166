import { keys } from '@app/contracts';
import { EventWriter } from './event-writer';
import { SessionEventLog } from './session-event-log';
import { expectContiguous, line, readAll } from './spec/event-writer-suite';
import { newSessionId, useRedisFixture } from './spec/redis-fixture';

describe('AppendPipeline (real Redis)', () => {
  // Private server: nothing else shares its connections.
  const redis = useRedisFixture({ label: 'append-pipeline' });

  it("sends many writers' appends in shared pipelines, each session's in order", async () => {
    const client = redis.client();
    const log = new SessionEventLog(client);
    const pipelines = jest.spyOn(client, 'pipeline');
    const ids = Array.from({ length: 50 }, () => newSessionId());
    const writers = ids.map((id) => new EventWriter(log, id));
    // Pushed in one turn of the event loop, the writers' appends share a pipeline.
    for (let n = 0; n < 20; n++) {
      for (const writer of writers) writer.push(line(n));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writers.map((w) => w.close()));
    for (const id of ids) {
      const events = await readAll(log, id);
      expect(events.map((e) => (e.data as { n: number }).n)).toEqual([...Array(20).keys()]);
      expectContiguous(events);
    }
    expect(pipelines.mock.calls.length).toBeGreaterThan(0);
    expect(pipelines.mock.calls.length).toBeLessThan(50);
  });

  it('fails only the call whose script failed in a shared pipeline', async () => {
    const client = redis.client();
    const log = new SessionEventLog(client);
    const [good, broken] = [newSessionId(), newSessionId()];
    await client.set(keys.events(broken), 'not a stream'); // XADD on it fails with WRONGTYPE
    const batch = {
      number: 1,
      events: [{ turn: 1, kind: 'claude' as const, ts: 1, json: '{}', bytes: 2 }],
    };
    // Called in one turn of the event loop: one pipeline carries the three.
    const results = await Promise.allSettled([
      log.appendBatches(newSessionId(), 'w', [batch]),
      log.appendBatches(good, 'w', [batch]),
      log.appendBatches(broken, 'w', [batch]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(results[2]).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringMatching(/WRONGTYPE/) }),
    });
    expect((await readAll(log, good)).length).toBe(1);
  });
});
