import { useTestRedisTarget } from '@app/testing/services';
import { MemorySessionStore } from '../../../test/support/memory';
import { SessionStore } from './session-store';
import { sessionStoreContract } from './spec/session-store-suite';

describe('SessionStore (real Redis)', () => {
  const target = useTestRedisTarget({ topology: 'single', label: 'sessions' });
  sessionStoreContract(() => new SessionStore(target().client()));
});

describe('MemorySessionStore (the fake the orchestration specs use)', () => {
  sessionStoreContract(() => new MemorySessionStore());
});
