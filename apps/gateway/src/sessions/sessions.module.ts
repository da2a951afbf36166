import {
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { createCheckpointStore, type CheckpointStore } from '@app/checkpoint';
import { TurnQueue } from '@app/queue';
import { closeRedis, createRedisConnection } from '@app/redis';
import { SessionControl, SessionStore } from '@app/sessions';
import { EventRelay, SessionEventLog } from '@app/stream';
import { seedLimitsOf } from '@app/workspace';
import { CheckpointService } from '../checkpoints/checkpoint.service';
import { checkpointTools } from '../checkpoints/checkpoint.tools';
import { WorkspaceSeeder } from '../workspaces/workspace-seeder';
import { WorkspaceService } from '../workspaces/workspace.service';
import { workspaceTools } from '../workspaces/workspace.tools';
import { SessionService } from './session.service';
import { sessionTools } from './session.tools';
import { TurnWaiter } from './turn-waiter';

const GATEWAY_REDIS = Symbol('GATEWAY_REDIS');
const CHECKPOINTS = Symbol('CHECKPOINTS');

@Injectable()
class GatewaySessionsShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(GATEWAY_REDIS) private readonly redis: Redis,
    private readonly relay: EventRelay,
    private readonly queue: TurnQueue,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.relay.close();
    await this.queue.close();
    await closeRedis(this.redis);
  }
}

/** The gateway's object graph for the session tools. Wiring only. */
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
    provide: SessionControl,
    inject: [GATEWAY_REDIS],
    useFactory: (r: Redis) => new SessionControl(r),
  },
  {
    provide: TurnQueue,
    inject: [APP_CONFIG],
    useFactory: (c: AppConfig) =>
      new TurnQueue(
        { url: c.redis.url ?? '', keyPrefix: c.redis.keyPrefix },
        { connectionName: 'gateway-queue' },
      ),
  },
  {
    provide: CHECKPOINTS,
    inject: [APP_CONFIG],
    useFactory: (c: AppConfig) => createCheckpointStore(c.storage),
  },
  {
    provide: SessionService,
    inject: [
      APP_CONFIG,
      SessionStore,
      CHECKPOINTS,
      TurnQueue,
      SessionEventLog,
      EventRelay,
      SessionControl,
    ],
    useFactory: (
      c: AppConfig,
      sessions: SessionStore,
      checkpoints: CheckpointStore,
      queue: TurnQueue,
      events: SessionEventLog,
      relay: EventRelay,
      control: SessionControl,
    ) =>
      new SessionService({
        sessions,
        checkpoints,
        queue,
        events,
        relay,
        control,
        waiter: new TurnWaiter(relay, control, c.events.turnWaitMaxMs),
        seeder: new WorkspaceSeeder(checkpoints, seedLimitsOf(c.workspace, c.host.env)),
      }),
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
