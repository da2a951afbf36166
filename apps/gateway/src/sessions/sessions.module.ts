import {
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { queuePrefix, TURN_QUEUE, type TurnJob } from '@app/contracts';
import { TURN_JOB_OPTIONS, TurnQueue } from '@app/queue';
import { closeRedis, createRedisConnection } from '@app/redis';
import { SessionStore } from '@app/sessions';
import { EventRelay, SessionEventLog } from '@app/stream';
import { createCheckpointStore, type CheckpointStore } from '@app/checkpoint';
import { CheckpointService } from '../checkpoints/checkpoint.service';
import { checkpointTools } from '../checkpoints/checkpoint.tools';
import { seedLimitsOf } from '@app/workspace';
import { WorkspaceSeeder } from '../workspaces/workspace-seeder';
import { WorkspaceService } from '../workspaces/workspace.service';
import { workspaceTools } from '../workspaces/workspace.tools';
import { SessionService } from './session.service';
import { sessionTools } from './session.tools';

const GATEWAY_REDIS = Symbol('GATEWAY_REDIS');
const CHECKPOINTS = Symbol('CHECKPOINTS');

@Injectable()
class GatewaySessionsShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(GATEWAY_REDIS) private readonly redis: Redis,
    private readonly relay: EventRelay,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.relay.close();
    await closeRedis(this.redis);
  }
}

const providers: Provider[] = [
  {
    provide: GATEWAY_REDIS,
    inject: [APP_CONFIG],
    useFactory: (c: AppConfig) =>
      createRedisConnection(c.redis.url ?? '', { name: 'gateway', keyPrefix: c.redis.keyPrefix }),
  },
  { provide: SessionStore, inject: [GATEWAY_REDIS], useFactory: (r: Redis) => new SessionStore(r) },
  {
    provide: SessionEventLog,
    inject: [GATEWAY_REDIS, APP_CONFIG],
    useFactory: (r: Redis, c: AppConfig) => new SessionEventLog(r, { maxLen: c.events.maxLen }),
  },
  { provide: EventRelay, inject: [GATEWAY_REDIS], useFactory: (r: Redis) => new EventRelay(r) },
  {
    provide: TurnQueue,
    inject: [getQueueToken(TURN_QUEUE)],
    useFactory: (q: Queue<TurnJob>) => new TurnQueue(q),
  },
  {
    provide: SessionService,
    inject: [
      SessionStore,
      TurnQueue,
      SessionEventLog,
      EventRelay,
      GATEWAY_REDIS,
      APP_CONFIG,
      CHECKPOINTS,
    ],
    useFactory: (
      store: SessionStore,
      queue: TurnQueue,
      log: SessionEventLog,
      relay: EventRelay,
      publisher: Redis,
      c: AppConfig,
      checkpoints: CheckpointStore,
    ) =>
      new SessionService({
        store,
        queue,
        log,
        relay,
        publisher,
        checkpoints,
        maxTurnWaitMs: c.events.turnWaitMaxMs,
        seeder: new WorkspaceSeeder(checkpoints, seedLimitsOf(c.workspace)),
      }),
  },
  {
    provide: CHECKPOINTS,
    inject: [APP_CONFIG],
    useFactory: (c: AppConfig) => createCheckpointStore(c.storage),
  },
  {
    provide: CheckpointService,
    inject: [SessionStore, CHECKPOINTS],
    useFactory: (sessions: SessionStore, checkpoints: CheckpointStore) =>
      new CheckpointService(sessions, checkpoints),
  },
  {
    provide: WorkspaceService,
    inject: [SessionStore, CHECKPOINTS],
    useFactory: (sessions: SessionStore, checkpoints: CheckpointStore) =>
      new WorkspaceService(sessions, checkpoints),
  },
  GatewaySessionsShutdown,
];

/** Sessions, their queue and their event relay, as the gateway's tools use them. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ({
        connection: { url: c.redis.url, connectionName: 'gateway-queue' },
        prefix: queuePrefix(c.redis.keyPrefix),
      }),
    }),
    BullModule.registerQueue({ name: TURN_QUEUE, defaultJobOptions: TURN_JOB_OPTIONS }),
  ],
  providers,
  exports: [SessionService, CheckpointService, WorkspaceService],
})
export class SessionsModule {}

/** What startGateway adds by default: the session tools and what they need. */
export const sessionExtensions = {
  imports: [SessionsModule],
  toolset: {
    inject: [SessionService, CheckpointService, WorkspaceService],
    useFactory: (
      sessions: SessionService,
      checkpoints: CheckpointService,
      workspaces: WorkspaceService,
    ) => [
      ...sessionTools(sessions),
      ...checkpointTools(checkpoints),
      ...workspaceTools(workspaces),
    ],
  },
};
