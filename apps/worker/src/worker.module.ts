import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TerminusModule } from '@nestjs/terminus';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG, ConfigModule, type AppConfig } from '@app/config';
import { MAINTENANCE_QUEUE, queuePrefix, TURN_QUEUE } from '@app/contracts';
import { HealthController } from '@app/health';
import { TURN_JOB_OPTIONS } from '@app/queue';
import { closeRedis } from '@app/redis';
import { SpawnBroker } from '@app/claude';
import { ClaudeCliModule } from './cli/claude-cli.module';
import { LiveSessionRegistry } from './runtime/live-session-registry';
import { SessionLeases } from './runtime/session-lease';
import { GcProcessor } from './maintenance/gc.processor';
import { TurnProcessor } from './turn/turn.processor';
import { TurnRunner } from './turn/turn-runner';
import { workerProviders } from './worker.providers';
import { REDIS_COMMANDS, REDIS_SUBSCRIBER } from './worker.tokens';

/** How long a stopping worker lets running turns finish before it ends their processes. */
const TURN_DRAIN_MS = 25_000;

/**
 * Shutdown in order: stop taking turns and let running ones finish (bounded), hibernate what
 * this worker holds so another worker can resume it, then close Redis.
 */
@Injectable()
class WorkerShutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly processor: TurnProcessor,
    private readonly runner: TurnRunner,
    private readonly registry: LiveSessionRegistry,
    private readonly leases: SessionLeases,
    private readonly spawner: SpawnBroker,
    @Inject(REDIS_COMMANDS) private readonly commands: Redis,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.processor.worker.close(),
      new Promise((resolve) => (timer = setTimeout(resolve, TURN_DRAIN_MS))),
    ]);
    clearTimeout(timer);
    await Promise.allSettled(
      this.registry.ids().map((id) => this.runner.hibernate(id, { force: true })),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // Every CLI has exited by now (hibernated above); the broker would kill any left.
    this.spawner.close();
    await this.leases.close();
    await Promise.all([closeRedis(this.commands), closeRedis(this.subscriber)]);
  }
}

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        TerminusModule,
        ClaudeCliModule,
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({
            connection: {
              url: c.redis.url,
              maxRetriesPerRequest: null,
              connectionName: 'worker-queue',
            },
            prefix: queuePrefix(c.redis.keyPrefix),
          }),
        }),
        BullModule.registerQueue(
          { name: TURN_QUEUE, defaultJobOptions: TURN_JOB_OPTIONS },
          {
            name: MAINTENANCE_QUEUE,
            defaultJobOptions: { removeOnComplete: 50, removeOnFail: 50 },
          },
        ),
      ],
      controllers: [HealthController],
      providers: [...workerProviders(logger), TurnProcessor, GcProcessor, WorkerShutdown],
    };
  }
}
