import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { createCheckpointStore, type ObjectCheckpointStore } from '@app/checkpoint';
import { Draining, pingProbe, READINESS_PROBES } from '@app/health';
import { GatewayMetrics } from '@app/metrics';
import { TurnQueue } from '@app/queue';
import { closeRedis, createRedisConnection, type RedisClient } from '@app/redis';
import { ApprovalStore, SessionControl, SessionStore } from '@app/sessions';
import { EventRelay, SessionEventLog } from '@app/stream';
import { seedLimitsOf } from '@app/workspace';
import { budgetProviders } from '../budgets/budget.providers';
import { SpendGate } from '../budgets/spend-gate';
import { UsageService } from '../budgets/usage.service';
import { usageTools } from '../budgets/usage.tools';
import { CheckpointService } from '../checkpoints/checkpoint.service';
import { quotaProviders } from '../quotas/quota.providers';
import { TenantQuotas } from '../quotas/tenant-quotas';
import { checkpointTools } from '../checkpoints/checkpoint.tools';
import { gaugeProviders } from '../metrics/gateway-gauges';
import { countingRefusals } from '../metrics/refusal-counting';
import { WebhookService } from '../webhooks/webhook.service';
import { webhookProviders } from '../webhooks/webhook.providers';
import { webhookTools } from '../webhooks/webhook.tools';
import { WorkspaceSeeder } from '../workspaces/workspace-seeder';
import { WorkspaceService } from '../workspaces/workspace.service';
import { workspaceTools } from '../workspaces/workspace.tools';
import { ApprovalService } from './approval.service';
import { approvalTools } from './approval.tools';
import { SessionService } from './session.service';
import { sessionTools } from './session.tools';
import { TurnWaiter } from './turn-waiter';

const GATEWAY_REDIS = Symbol('GATEWAY_REDIS');
const CHECKPOINTS = Symbol('CHECKPOINTS');

/**
 * A stopping gateway (SIGTERM): reads not-ready at once, lets waited calls run on for up to
 * GATEWAY_DRAIN_MS, then ends the rest, which answer "still running" with the cursor to follow
 * the turn from on any replica (the turn itself goes on: it runs on a worker). Then the HTTP
 * server closes, and last the connections.
 */
@Injectable()
class GatewayLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(GATEWAY_REDIS) private readonly redis: RedisClient,
    private readonly draining: Draining,
    private readonly waiter: TurnWaiter,
    private readonly relay: EventRelay,
    private readonly queue: TurnQueue,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    this.draining.start();
    await this.waiter.idle(this.config.http.drainMs);
    await this.relay.close();
  }

  async onApplicationShutdown(): Promise<void> {
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
      createRedisConnection(c.redis.url ?? '', {
        name: 'gateway',
        keyPrefix: c.redis.keyPrefix,
        cluster: c.redis.cluster === true,
        // While Redis is away a call fails within about a second (and says so), never hangs.
        maxRetriesPerRequest: 3,
      }),
  },
  {
    provide: SessionStore,
    inject: [GATEWAY_REDIS],
    useFactory: (r: RedisClient) => new SessionStore(r),
  },
  // SessionEventLog (it queues webhooks for the status changes it appends) and webhook tools.
  ...webhookProviders(GATEWAY_REDIS),
  {
    provide: EventRelay,
    inject: [GATEWAY_REDIS, GatewayMetrics],
    useFactory: (r: RedisClient, metrics: GatewayMetrics) =>
      new EventRelay(r, { onRelayed: (events) => metrics.eventsRelayed(events) }),
  },
  {
    provide: SessionControl,
    inject: [GATEWAY_REDIS],
    useFactory: (r: RedisClient) => new SessionControl(r),
  },
  {
    provide: TurnQueue,
    inject: [APP_CONFIG],
    useFactory: (c: AppConfig) =>
      new TurnQueue(
        { url: c.redis.url ?? '', keyPrefix: c.redis.keyPrefix, cluster: c.redis.cluster === true },
        { connectionName: 'gateway-queue', dispatch: c.queue.dispatch },
      ),
  },
  {
    provide: CHECKPOINTS,
    inject: [APP_CONFIG],
    useFactory: (c: AppConfig) => createCheckpointStore(c.storage),
  },
  { provide: Draining, useValue: new Draining() },
  {
    provide: READINESS_PROBES,
    inject: [GATEWAY_REDIS, CHECKPOINTS, Draining],
    useFactory: (r: RedisClient, store: ObjectCheckpointStore, draining: Draining) => [
      pingProbe('redis', () => r.ping()),
      pingProbe('objectStore', () => store.objects.head('readyz')),
      draining,
    ],
  },
  {
    provide: TurnWaiter,
    inject: [APP_CONFIG, EventRelay, SessionControl],
    useFactory: (c: AppConfig, relay: EventRelay, control: SessionControl) =>
      new TurnWaiter(relay, control, c.events.turnWaitMaxMs),
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
      TurnWaiter,
      TenantQuotas,
      SpendGate,
    ],
    useFactory: (
      c: AppConfig,
      sessions: SessionStore,
      checkpoints: ObjectCheckpointStore,
      queue: TurnQueue,
      events: SessionEventLog,
      relay: EventRelay,
      control: SessionControl,
      waiter: TurnWaiter,
      quotas: TenantQuotas,
      budgets: SpendGate,
    ) =>
      new SessionService({
        sessions,
        checkpoints,
        queue,
        events,
        relay,
        control,
        waiter,
        seeder: new WorkspaceSeeder(
          checkpoints,
          seedLimitsOf(c.workspace, c.host.env),
          (tenant) => quotas.limitsOf(tenant).workspaceBytes,
        ),
        quotas,
        budgets,
      }),
  },
  {
    provide: ApprovalService,
    inject: [GATEWAY_REDIS, SessionStore, SessionControl],
    useFactory: (r: RedisClient, sessions: SessionStore, control: SessionControl) =>
      new ApprovalService({ sessions, approvals: new ApprovalStore(r), control }),
  },
  {
    provide: CheckpointService,
    inject: [SessionStore, CHECKPOINTS],
    useFactory: (sessions: SessionStore, checkpoints: ObjectCheckpointStore) =>
      new CheckpointService(sessions, checkpoints),
  },
  {
    provide: WorkspaceService,
    inject: [SessionStore, CHECKPOINTS],
    useFactory: (sessions: SessionStore, checkpoints: ObjectCheckpointStore) =>
      new WorkspaceService(sessions, checkpoints),
  },
  ...quotaProviders(GATEWAY_REDIS),
  ...budgetProviders(GATEWAY_REDIS),
  ...gaugeProviders(GATEWAY_REDIS),
  GatewayLifecycle,
];

/** Sessions, their queue and their event relay, as the gateway's tools use them. */
@Module({
  providers,
  exports: [
    // The HTTP API reads which tenant a session is of, for an operator's request.
    SessionStore,
    SessionService,
    ApprovalService,
    CheckpointService,
    WorkspaceService,
    UsageService,
    WebhookService,
    READINESS_PROBES,
  ],
})
export class SessionsModule {}

/** What startGateway adds by default: the session tools and what they need. */
export const sessionExtensions = {
  imports: [SessionsModule],
  toolset: {
    inject: [
      SessionService,
      ApprovalService,
      CheckpointService,
      WorkspaceService,
      UsageService,
      WebhookService,
      GatewayMetrics,
    ],
    useFactory: (
      sessions: SessionService,
      approvals: ApprovalService,
      checkpoints: CheckpointService,
      workspaces: WorkspaceService,
      usage: UsageService,
      webhooks: WebhookService,
      metrics: GatewayMetrics,
    ) =>
      countingRefusals(metrics, [
        ...sessionTools(sessions, approvals),
        ...approvalTools(approvals),
        ...checkpointTools(checkpoints),
        ...workspaceTools(workspaces),
        ...usageTools(usage),
        ...webhookTools(webhooks),
      ]),
  },
};
