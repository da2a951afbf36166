import Redis from 'ioredis';
import { useTestRedis } from '@app/testing/services';
import { MemorySessionStore } from '../../../test/support/memory';
import { SessionStore } from './session-store';
import { sessionStoreContract } from './spec/session-store-suite';

describe('SessionStore (real Redis)', () => {
  const server = useTestRedis({ label: 'sessions' });
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(server().url, { keyPrefix: server().keyPrefix });
  });
  afterAll(async () => {
    await redis.quit();
  });

  sessionStoreContract(() => new SessionStore(redis));
});

describe('MemorySessionStore (the fake the orchestration specs use)', () => {
  sessionStoreContract(() => new MemorySessionStore());
});
