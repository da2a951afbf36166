import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { SpawnBroker } from '@app/claude';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { ScheduledJobs, TurnConsumer } from '@app/queue';
import { closeRedis } from '@app/redis';
import { SessionControl, SessionLeases } from '@app/sessions';
import { sweepStagingDirs } from './checkpoint/staging-sweep';
import { CheckpointGc } from './maintenance/checkpoint-gc';
import { LiveSessionRegistry } from './runtime/live-session-registry';
import { TurnRunner } from './turn/turn-runner';
import { REDIS_COMMANDS, WORKER_LOGGER } from './worker.tokens';

/** How long a stopping worker lets running turns finish before it ends their processes. */
const TURN_DRAIN_MS = 25_000;

/**
 * What a worker does when it starts and stops. Start: take turns, join the GC schedule, sweep
 * what a crashed predecessor left. Stop, in order: take no more turns and let running ones
 * finish (bounded), hibernate what this worker holds so another worker can resume it, then let
 * go of leases and connections.
 */
@Injectable()
export class WorkerLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
    private readonly consumer: TurnConsumer,
    private readonly runner: TurnRunner,
    private readonly control: SessionControl,
    private readonly jobs: ScheduledJobs,
    private readonly gc: CheckpointGc,
    private readonly registry: LiveSessionRegistry,
    private readonly leases: SessionLeases,
    private readonly spawner: SpawnBroker,
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    void sweepStagingDirs(this.config.storage.dataDir).then(
      (removed) => removed && this.logger.info({ removed }, 'removed stale workspace staging dirs'),
      (err: Error) => this.logger.warn({ err: err.message }, 'staging dir sweep failed'),
    );
    this.control.handle((sessionId, action) => this.runner.control(sessionId, action));
    this.consumer.start(this.runner);
    await this.jobs.every(CheckpointGc.SCHEDULE, this.gc.settings.intervalMs, () => this.gc.run());
  }

  async beforeApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.consumer.close(),
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
    this.control.close();
    await this.jobs.close();
    await closeRedis(this.redis);
  }
}
