import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@app/config';
import { createLogger, PinoNestLogger, runEntryPoint } from '@app/logging';
import { resolveRedisMode } from '@app/redis';
import { WorkerModule } from './worker.module';
import { CLAUDE_BINARY } from './worker.tokens';

/**
 * Starts a worker: it owns Claude CLI processes and takes session turns from the queue. It
 * serves only /healthz (for Kubernetes probes) on WORKER_HEALTH_PORT.
 */
export async function startWorker(loaded: AppConfig): Promise<INestApplication> {
  const logger = createLogger(loaded.logLevel, 'worker');
  const config = await resolveRedisMode(loaded, {
    onRetry: (err) => logger.warn({ err: err.message }, 'waiting for Redis (is it a cluster?)'),
  });
  if (config.redis.cluster) logger.info('REDIS_URL is a Redis Cluster seed');
  const app = await NestFactory.create(WorkerModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
    // Throw instead of exiting, so callers (and tests) see the reason.
    abortOnError: false,
  });
  await app.listen(config.worker.healthPort, config.http.host);
  logger.info({ claude: app.get<string>(CLAUDE_BINARY) }, 'worker ready');
  return app;
}

if (require.main === module) runEntryPoint(() => startWorker(loadConfig()));
