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
import { Draining } from '@app/health';
import { ScheduledJobs, TurnConsumer } from '@app/queue';
import { closeRedis } from '@app/redis';
import { SessionControl, SessionLeases } from '@app/sessions';
import { sweepStagingDirs } from './checkpoint/staging-sweep';
import { CheckpointGc } from './maintenance/checkpoint-gc';
import { LiveSessionRegistry } from './runtime/live-session-registry';
import { SessionHolds } from './turn/session-holds';
import { TurnRunner } from './turn/turn-runner';
import { REDIS_COMMANDS, WORKER_LOGGER } from './worker.tokens';

/**
 * What a worker does when it starts and stops. Start: take turns, join the GC schedule, sweep
 * what a crashed predecessor left. Stop (SIGTERM), in order: read not-ready, take no more turns
 * and let running ones finish within WORKER_DRAIN_MS, hand the unfinished ones back to the queue
 * (another worker runs them again from the last checkpoint), hibernate what this worker holds so
 * another worker can resume it, then let go of leases and connections.
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
    private readonly holds: SessionHolds,
    private readonly control: SessionControl,
    private readonly jobs: ScheduledJobs,
    private readonly gc: CheckpointGc,
    private readonly registry: LiveSessionRegistry,
    private readonly leases: SessionLeases,
    private readonly spawner: SpawnBroker,
    private readonly draining: Draining,
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    void sweepStagingDirs(this.config.storage.dataDir).then(
      (removed) => removed && this.logger.info({ removed }, 'removed stale workspace staging dirs'),
      (err: Error) => this.logger.warn({ err: err.message }, 'staging dir sweep failed'),
    );
    this.control.handle((sessionId, action) => this.holds.control(sessionId, action));
    this.leases.whenLost((sessionId) => void this.holds.leaseLost(sessionId));
    this.consumer.start(this.runner);
    await this.jobs.every(CheckpointGc.SCHEDULE, this.gc.settings.intervalMs, () => this.gc.run());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining.start();
    const started = Date.now();
    const closed = this.consumer.close();
    if (!(await settlesWithin(closed, this.config.worker.drainMs))) {
      const busy = this.registry.ids().filter((id) => this.registry.get(id)?.busy);
      this.logger.warn(
        { sessions: busy.length, drainMs: this.config.worker.drainMs },
        'turns still running at the drain deadline: handing them back to the queue',
      );
      await this.holds.handBack(busy);
      await closed;
    }
    await Promise.allSettled(
      this.registry.ids().map((id) => this.holds.hibernate(id, { force: true })),
    );
    this.logger.info({ ms: Date.now() - started }, 'worker drained');
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

/** True when the promise settles within ms (it keeps running either way). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
