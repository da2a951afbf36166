import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { createLogger, resolveLogFormat, runEntryPoint } from '@app/logging';
import { startEmbeddedRedis } from '@app/redis';
import { gatewayBaseUrl } from './gateway/src/listen-address';
import { startGateway } from './gateway/src/main';
import { announceReady, readyFacts } from './startup-banner';
import { missingCredentials } from './worker/src/runtime/anthropic-credentials';
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
  // Last, so that what a person needs to connect is the end of the output, not lost above it.
  announceReady(
    createLogger(config.logLevel, 'start', config.logFormat),
    resolveLogFormat(config.logFormat),
    readyFacts(
      config,
      gatewayBaseUrl(gateway, config.http.host),
      missingCredentials(config.claude) !== undefined,
    ),
  );
  return {
    close: async () => {
      await gateway.close();
      await worker.close();
      await redis?.stop();
    },
  };
}

runEntryPoint(main);
