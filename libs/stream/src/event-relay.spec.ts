import { useTestRedisTarget } from '@app/testing/services';
import { EventRelay } from './event-relay';
import { eventRelaySuite } from './spec/event-relay-suite';
import { newSessionId, useRedisFixture } from './spec/redis-fixture';

describe('EventRelay (real Redis)', () => {
  eventRelaySuite(useTestRedisTarget({ topology: 'single', label: 'stream-relay' }));
});

/** One server only: a cluster client subscribes on a connection of its own, not one to block. */
describe('EventRelay with a stuck subscriber (real Redis)', () => {
  const redis = useRedisFixture({ label: 'stream-relay' });
  const relays: EventRelay[] = [];
  const newRelay = (options = {}) => {
    const relay = new EventRelay(redis.client(), options);
    relays.push(relay);
    return relay;
  };
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.close()));
  });

  it('keeps a long-poll within waitMs when the subscription is not confirmed in time', async () => {
    // The subscriber connection is stuck behind a blocking command, so SUBSCRIBE waits 2 s.
    const stuckSubscriber = redis.client();
    stuckSubscriber.blpop('nothing-will-come', 2).catch(() => undefined);
    const relay = newRelay({ subscriber: stuckSubscriber });
    const started = performance.now();
    const page = await relay.events(newSessionId(), { limit: 1, waitMs: 300 });
    expect(page.events).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});
