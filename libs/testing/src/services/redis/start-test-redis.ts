import { randomBytes } from 'node:crypto';
import { chooseSource, sanitizeLabel } from '../source';
import { startContainerRedis } from './container-redis';
import { useExternalRedis } from './external-redis';
import { startLocalRedis } from './local-redis';
import type { TestRedis, TestRedisOptions } from './types';

/**
 * A Redis for one suite, from REDIS_URL if set (unless faultInjection), else a container when a
 * Docker engine answers, else a private redis-server child. Resolves once it answers PING.
 */
export async function startTestRedis(opts: TestRedisOptions = {}): Promise<TestRedis> {
  const namespace = `test-${sanitizeLabel(opts.label)}-${randomBytes(4).toString('hex')}`;
  switch (await chooseSource(opts, 'REDIS_URL')) {
    case 'env':
      return useExternalRedis(opts, namespace);
    case 'container':
      return startContainerRedis(opts, namespace);
    case 'local':
      return startLocalRedis(opts, namespace);
  }
}
