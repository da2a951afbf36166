import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@app/config';
import { createLogger, PinoNestLogger, runEntryPoint } from '@app/logging';
import { listenOn } from '@app/health';
import { resolveRedisMode } from '@app/redis';
import { startTracing } from '@app/tracing';
import { missingCredentials } from './runtime/anthropic-credentials';
import { WorkerModule } from './worker.module';
import { CLAUDE_BINARY } from './worker.tokens';

/**
 * Starts a worker: it owns Claude CLI processes and takes session turns from the queue. It
 * serves only /healthz (for Kubernetes probes) on WORKER_HEALTH_PORT.
 */
export async function startWorker(loaded: AppConfig): Promise<INestApplication> {
  const logger = createLogger(loaded.logLevel, 'worker', loaded.logFormat);
  // Before the app is made: its queues carry the trace from the moment they exist.
  startTracing(loaded.tracing, 'worker');
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
  await listenOn(app, config.worker.healthPort, config.http.host, 'WORKER_HEALTH_PORT');
  logger.info({ claude: app.get<string>(CLAUDE_BINARY) }, 'worker ready');
  const noCredentials = missingCredentials(config.claude);
  if (noCredentials) logger.warn(noCredentials);
  return app;
}

if (require.main === module) runEntryPoint(() => startWorker(loadConfig()));
