import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { exitOnSignals } from '@app/logging';
import { startEmbeddedRedis } from '@app/redis';
import { startGateway } from './gateway/src/main';
import { startWorker } from './worker/src/main';

/** `npm start`: gateway and worker in one process tree, on embedded defaults. */
async function main(): Promise<void> {
  const config = loadConfig();
  const redis = config.redis.url ? undefined : await startEmbeddedRedis(config.storage.dataDir);
  if (redis) config.redis.url = redis.url;
  const worker = await startWorker(config);
  const gateway = await startGateway(config);
  exitOnSignals(
    async () => {
      await gateway.close();
      await worker.close();
      await redis?.stop();
    },
    (m) => console.error(m),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
