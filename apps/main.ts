import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { runEntryPoint } from '@app/logging';
import { startEmbeddedRedis } from '@app/redis';
import { startGateway } from './gateway/src/main';
import { startWorker } from './worker/src/main';

/** `npm start`: gateway and worker in one process tree, on embedded defaults. */
async function main(): Promise<{ close(): Promise<void> }> {
  const loaded = loadConfig();
  const redis = loaded.redis.url ? undefined : await startEmbeddedRedis(loaded.storage.dataDir);
  // The embedded Redis is a single server: nothing to detect.
  const config = redis
    ? { ...loaded, redis: { ...loaded.redis, url: redis.url, cluster: false } }
    : loaded;
  const worker = await startWorker(config);
  const gateway = await startGateway(config);
  return {
    close: async () => {
      await gateway.close();
      await worker.close();
      await redis?.stop();
    },
  };
}

runEntryPoint(main);
