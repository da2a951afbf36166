import { Redis } from 'ioredis';
import { eventually } from '@app/testing/eventually';
import { useTestRedis } from '@app/testing/services';
import { SseHistoryWriter } from './sse-history-writer';

const service = useTestRedis({ label: 'sse-history-writer' });

describe('SseHistoryWriter', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(service().url, {
      keyPrefix: service().keyPrefix,
      enableAutoPipelining: true,
    });
  });
  afterAll(async () => {
    await redis.quit();
  });

  const entry = (key: string, n: number, expireSeconds?: number) => ({
    key,
    entryId: `1-${n}`,
    fields: ['m', `message ${n}`],
    expireSeconds,
  });
  const stored = async (key: string) =>
    (await redis.xrange(key, '-', '+')).map(([, fields]) => fields[1]);

  it('holds entries for a few milliseconds, then writes them in order', async () => {
    const writer = new SseHistoryWriter(redis, 50);
    const key = 'batched';
    writer.add(entry(key, 1), false);
    writer.add(entry(key, 2), false);
    expect(await stored(key)).toEqual([]);
    await eventually('the batch to be written', async () => (await stored(key)).length > 0);
    expect(await stored(key)).toEqual(['message 1', 'message 2']);
  });

  it('writes an urgent entry at once, with everything held before it', async () => {
    const writer = new SseHistoryWriter(redis, 60_000);
    const key = 'urgent';
    writer.add(entry(key, 1), false);
    writer.add(entry(key, 2, 3_600), true);
    expect(await stored(key)).toEqual(['message 1', 'message 2']);
    expect(await redis.ttl(key)).toBeGreaterThan(3_500);
  });

  it('flush() resolves once every entry is in Redis', async () => {
    const writer = new SseHistoryWriter(redis, 60_000);
    const key = 'flushed';
    writer.add(entry(key, 1), false);
    await writer.flush();
    expect(await stored(key)).toEqual(['message 1']);
  });

  it('stores an entry behind one another writer put ahead of its id', async () => {
    const writer = new SseHistoryWriter(redis, 0);
    const key = 'ahead';
    await redis.xadd(key, '5-0', 'm', 'theirs');
    writer.add(entry(key, 1), false);
    await writer.flush();
    expect(await stored(key)).toEqual(['theirs', 'message 1']);
  });
});
