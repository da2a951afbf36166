import { Redis } from 'ioredis';
import { useTestRedis } from '@app/testing/services';
import { CallCancelled, CancellationRelay } from './cancellation-relay';

const SESSION = '5a0e8d3c-2b1f-4c6d-9e7a-8b9c0d1e2f3a';

// File level, so it is torn down after the describe's own afterAll has closed its clients.
const service = useTestRedis({ label: 'mcp-cancel' });

describe('CancellationRelay', () => {
  let redis: Redis;
  let here: CancellationRelay;
  let there: CancellationRelay;

  beforeAll(() => {
    redis = new Redis(service().url, { keyPrefix: service().keyPrefix });
    here = new CancellationRelay(redis);
    there = new CancellationRelay(redis);
  });
  afterAll(async () => {
    await Promise.all([here.onApplicationShutdown(), there.onApplicationShutdown()]);
    await redis.quit();
  });

  it('aborts the call on the replica that runs it, with the client reason', async () => {
    const call = await here.track(SESSION, 7);
    const aborted = new Promise((resolve) =>
      call.signal.addEventListener('abort', () => resolve(call.signal.reason)),
    );
    await there.cancel(SESSION, 7, 'user pressed stop');
    const reason = await aborted;
    expect(reason).toBeInstanceOf(CallCancelled);
    expect(String(reason)).toMatch(/the client cancelled the call: user pressed stop/);
    call.release();
  });

  it('leaves other calls alone: another session, or the same id as a string', async () => {
    const call = await here.track(SESSION, 8);
    const marker = await here.track(SESSION, 80);
    const markerAborted = new Promise((resolve) =>
      marker.signal.addEventListener('abort', resolve),
    );
    await there.cancel('6b1f9e4d-3c2a-4d7e-8f8b-9c0d1e2f3a4b', 8);
    await there.cancel(SESSION, '8');
    // One channel, in order: once the cancellation sent after them arrived, so had they.
    await there.cancel(SESSION, 80);
    await markerAborted;
    expect(call.signal.aborted).toBe(false);
    call.release();
    marker.release();
  });

  it('aborts a call whose cancellation arrived before it started', async () => {
    await there.cancel(SESSION, 9, 'too late');
    const call = await here.track(SESSION, 9);
    expect(call.signal.aborted).toBe(true);
    call.release();
  });
});
