import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@app/config';
import { createLogger, PinoNestLogger } from '@app/logging';
import { CLAUDE_BINARY } from './cli/claude-cli.module';
import { WorkerModule } from './worker.module';

/** Starts a worker: it owns Claude CLI processes and takes session turns from the queue. */
export async function startWorker(config: AppConfig): Promise<INestApplicationContext> {
  const logger = createLogger(config.logLevel, 'worker');
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
  });
  app.enableShutdownHooks();
  logger.info({ claude: app.get<string>(CLAUDE_BINARY) }, 'worker ready');
  return app;
}

if (require.main === module) {
  startWorker(loadConfig()).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
