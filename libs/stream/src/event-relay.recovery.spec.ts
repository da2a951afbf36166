import type { Redis } from 'ioredis';
import { eventually } from '@app/testing/eventually';
import { EventRelay } from './event-relay';
import { EventWriter } from './event-writer';
import { SessionEventLog } from './session-event-log';
import { oneTo, seqs, startFollower } from './spec/collect';
import { newSessionId, useRedisFixture } from './spec/redis-fixture';

const line = (n: number) => ({ turn: 1, kind: 'claude' as const, data: { n } });

/** Lines of CLIENT LIST, one per connection. */
async function clientList(admin: Redis): Promise<string[]> {
  return String(await admin.client('LIST'))
    .trim()
    .split('\n');
}

describe('EventRelay connections and recovery (private Redis, restarted)', () => {
  const redis = useRedisFixture({
    label: 'stream-relay-ops',
    faultInjection: true,
    persistence: 'aof',
  });
  const relays: EventRelay[] = [];
  const newRelay = (options = {}) => {
    const relay = new EventRelay(redis.client({ maxRetriesPerRequest: null }), options);
    relays.push(relay);
    return relay;
  };
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.close()));
  });

  it('serves 500 waiting sessions over one subscriber connection', async () => {
    const admin = redis.client();
    const log = new SessionEventLog(admin);
    await admin.ping();
    const before = (await clientList(admin)).length;
    const relay = newRelay();
    const ids = Array.from({ length: 500 }, newSessionId);
    const polls = ids.map((id) => relay.events(id, { limit: 10, waitMs: 10_000 }));
    await eventually('500 subscriptions', async () =>
      (await clientList(admin)).some((c) => / sub=500 /.test(c)),
    );
    expect(relay.watchedSessions).toBe(500);

    const during = await clientList(admin);
    expect(during.length).toBe(before + 2); // the relay's command and subscriber connections
    expect(during.filter((c) => / sub=500 /.test(c))).toHaveLength(1);

    await Promise.all(ids.map((id, n) => log.append(id, [line(n)])));
    const pages = await Promise.all(polls);
    expect(pages.map((p) => (p.events[0].data as { n: number }).n)).toEqual(ids.map((_, n) => n));
    expect(relay.watchedSessions).toBe(0);
    await eventually('the subscriber to drop every channel', async () =>
      (await clientList(admin)).every((c) => !/ sub=[1-9]/.test(c)),
    );
  });

  it('a caught-up follower lives off the notifications instead of reading back', async () => {
    const admin = redis.client();
    const log = new SessionEventLog(admin);
    const id = newSessionId();
    const follower = startFollower(newRelay(), id);
    await eventually('the subscription', () => relays[0].watchedSessions === 1);
    await admin.config('RESETSTAT');
    for (let n = 0; n < 100; n++)
      await log.append(
        id,
        Array.from({ length: 10 }, () => line(n)),
      );
    await eventually('1,000 events', () => follower.events.length === 1_000);
    expect(seqs(follower.events)).toEqual(oneTo(1_000));
    const stats = await admin.info('commandstats');
    const reads = Number(/cmdstat_xrange:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    expect(reads).toBeLessThanOrEqual(5);
    await follower.stop();
  });

  it('re-checks after the subscriber reconnects: a notification missed meanwhile is not lost', async () => {
    const admin = redis.client();
    const log = new SessionEventLog(admin);
    const id = newSessionId();
    // A recheck interval far beyond the test: only the reconnect wake-up can deliver in time.
    const follower = startFollower(newRelay({ followRecheckMs: 60_000 }), id);
    await eventually('the subscription', async () =>
      (await clientList(admin)).some((c) => / sub=1 /.test(c)),
    );
    await admin.client('KILL', 'TYPE', 'pubsub');
    await log.append(id, [line(1)]); // published while nobody listens
    await eventually('the event after the reconnect', () => follower.events.length === 1, 5_000);
    expect(seqs(follower.events)).toEqual([1]);
    await follower.stop();
  });

  it('follow() and long-poll carry on across a Redis restart, in order, without duplicates', async () => {
    const id = newSessionId();
    const writer = new EventWriter(new SessionEventLog(redis.client()), id);
    const relay = newRelay({ retryMinMs: 20 });
    const follower = startFollower(relay, id);
    for (let n = 0; n < 200; n++) writer.push(line(n));
    await writer.flush();
    await eventually('the first 200', () => follower.events.length === 200);

    await redis.server().restart();
    for (let n = 200; n < 400; n++) writer.push(line(n));
    await writer.flush();
    await eventually('all 400 after the restart', () => follower.events.length >= 400, 10_000);
    expect(seqs(follower.events)).toEqual(oneTo(400));

    const polling = relay.events(id, { after: follower.events[399].id, limit: 10, waitMs: 5_000 });
    writer.push(line(400));
    expect(seqs((await polling).events)).toEqual([401]);
    await follower.stop();
    await writer.close();
  });
});
