import 'reflect-metadata';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@app/config';
import { createLogger, PinoNestLogger, runEntryPoint } from '@app/logging';
import { GatewayMetrics } from '@app/metrics';
import { listenOn } from '@app/health';
import { resolveRedisMode } from '@app/redis';
import { startTracing } from '@app/tracing';
import { GatewayModule, type GatewayExtensions } from './gateway.module';
import { gatewayBaseUrl, MCP_PATH } from './listen-address';
import { sessionExtensions } from './sessions/sessions.module';
import { turnTaskSupport } from './tasks';

/** Starts the MCP gateway's HTTP server on the configured address. */
export async function startGateway(
  loaded: AppConfig,
  extensions?: GatewayExtensions,
): Promise<INestApplication> {
  const logger = createLogger(loaded.logLevel, 'gateway', loaded.logFormat);
  // Before the app is made: its queues carry the trace from the moment they exist.
  startTracing(loaded.tracing, 'gateway');
  const config = await resolveRedisMode(loaded, {
    onRetry: (err) => logger.warn({ err: err.message }, 'waiting for Redis (is it a cluster?)'),
  });
  if (config.redis.cluster) logger.info('REDIS_URL is a Redis Cluster seed');
  const app = await NestFactory.create(
    GatewayModule.forRoot(config, extensions ?? { ...sessionExtensions, tasks: turnTaskSupport() }),
    {
      logger: new PinoNestLogger(logger),
      bodyParser: false,
      // Throw instead of exiting, so callers (and tests) see the reason.
      abortOnError: false,
    },
  );
  // A client that never finishes its request headers is dropped after 10 s (Node: 60 s); bodies
  // have their own deadline (MCP_BODY_DEADLINE_MS).
  (app.getHttpServer() as Server).headersTimeout = 10_000;
  // No `X-Powered-By: Express` on every answer: it tells a scanner what to try, nobody else.
  (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable(
    'x-powered-by',
  );
  app.get(GatewayMetrics).trackHttp(app.getHttpServer() as Server);
  await listenOn(app, config.http.port, config.http.host, 'PORT');
  const url = gatewayBaseUrl(app, config.http.host);
  logger.info({ url, mcp: `${url}${MCP_PATH}` }, 'gateway listening');
  return app;
}

if (require.main === module) runEntryPoint(() => startGateway(loadConfig()));
