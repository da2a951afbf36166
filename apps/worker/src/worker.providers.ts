import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, limitsOf, type AppConfig } from '@app/config';
import { Draining, pingProbe, READINESS_PROBES } from '@app/health';
import { createRedisConnection, type RedisClient } from '@app/redis';
import {
  ApprovalStore,
  SessionControl,
  SessionLeases,
  SessionStore,
  TenantQuotaStore,
} from '@app/sessions';
import { createCheckpointStore, type ObjectCheckpointStore } from '@app/checkpoint';
import { discoverClaudeBinary, SpawnBroker, type Launcher } from '@app/claude';
import { WorkerMetrics } from '@app/metrics';
import { ScheduledJobs, TurnConsumer } from '@app/queue';
import { seedLimitsOf } from '@app/workspace';
import { EventWriter, SessionEventLog } from '@app/stream';
import { UsageLedger } from '@app/usage';
import { StatusHookedEventLog, StatusWebhooks } from '@app/webhooks';
import { SessionCheckpointer } from './checkpoint/session-checkpointer';
import { SessionWorkspaces } from './checkpoint/session-workspace';
import { TurnCheckpoints } from './checkpoint/turn-checkpoints';
import { CheckpointGc } from './maintenance/checkpoint-gc';
import { workerConcurrency } from './runtime/concurrency';
import { chooseLauncher } from './runtime/launcher-choice';
import { LiveSessionRegistry } from './runtime/live-session-registry';
import { managedSettingsJson } from './runtime/managed-settings';
import { SessionHolds } from './turn/session-holds';
import { TurnBudgets } from './turn/turn-budget';
import { TurnRunner } from './turn/turn-runner';
import { webhookProviders } from './webhooks/webhook.providers';
import {
  CHECKPOINT_STORE,
  CLAUDE_BINARY,
  LAUNCHER,
  REDIS_COMMANDS,
  WORKER_ID,
  WORKER_LOGGER,
} from './worker.tokens';

/**
 * How often a waiting permission prompt looks for its answer in Redis on its own: the gateway's
 * "answered" message is pub/sub, lost if the worker's subscriber was reconnecting.
 */
const APPROVAL_RECHECK_MS = 5_000;

/** The worker's object graph: which repository each service gets. Wiring only. */
export function workerProviders(logger: Logger): Provider[] {
  const warn = (what: string) => (error: Error) => logger.warn({ err: error.message }, what);
  return [
    { provide: WORKER_LOGGER, useValue: logger },
    { provide: Draining, useValue: new Draining() },
    {
      provide: READINESS_PROBES,
      inject: [REDIS_COMMANDS, CHECKPOINT_STORE, Draining],
      useFactory: (r: RedisClient, store: ObjectCheckpointStore, draining: Draining) => [
        pingProbe('redis', () => r.ping()),
        pingProbe('objectStore', () => store.objects.head('readyz')),
        draining,
      ],
    },
    {
      provide: WORKER_ID,
      useFactory: () => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    },
    {
      provide: CLAUDE_BINARY,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) =>
        discoverClaudeBinary({ explicit: c.claude.bin, path: c.host.env.PATH }),
    },
    {
      provide: LAUNCHER,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => chooseLauncher(c, logger),
    },
    {
      provide: REDIS_COMMANDS,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) =>
        createRedisConnection(requiredUrl(c), {
          name: 'worker',
          keyPrefix: c.redis.keyPrefix,
          cluster: c.redis.cluster === true,
          // Event writers batch per session and keep one call in flight each; auto-pipelining on
          // top made every append wait for the previous pipeline's answer and cost the worker ~9 %
          // more CPU per message (stream bench, 100 sessions).
          autoPipelining: false,
          // A turn's end (its result, checkpoint id, status) waits out a Redis outage rather than
          // fail: nothing a worker writes may be dropped because Redis restarted meanwhile.
          maxRetriesPerRequest: null,
          onError: warn('redis connection error'),
        }),
    },
    {
      provide: SessionStore,
      inject: [REDIS_COMMANDS],
      useFactory: (r: RedisClient) => new SessionStore(r),
    },
    {
      provide: ApprovalStore,
      inject: [REDIS_COMMANDS],
      useFactory: (r: RedisClient) => new ApprovalStore(r),
    },
    {
      provide: SessionEventLog,
      inject: [REDIS_COMMANDS, APP_CONFIG, StatusWebhooks],
      // The worker appends, so its maxLen is the one that trims (EVENT_STREAM_MAXLEN). The status
      // changes it appends queue webhooks (see StatusWebhooks for why there).
      useFactory: (r: RedisClient, c: AppConfig, webhooks: StatusWebhooks) =>
        new StatusHookedEventLog(
          r,
          { maxLen: c.events.maxLen, appendLingerMs: c.events.appendLingerMs },
          webhooks,
        ),
    },
    ...webhookProviders(),
    {
      provide: SessionLeases,
      inject: [REDIS_COMMANDS, WORKER_ID, APP_CONFIG],
      useFactory: (r: RedisClient, id: string, c: AppConfig) =>
        new SessionLeases(r, id, { ttlMs: c.worker.livenessMs }),
    },
    {
      provide: SessionControl,
      inject: [REDIS_COMMANDS],
      useFactory: (r: RedisClient) =>
        new SessionControl(r, {
          subscriberName: 'worker-control',
          onError: (error, sessionId) =>
            logger.warn({ sessionId, err: error.message }, 'session control'),
        }),
    },
    {
      provide: TurnConsumer,
      inject: [APP_CONFIG, WorkerMetrics],
      useFactory: (c: AppConfig, metrics: WorkerMetrics) =>
        new TurnConsumer({
          redis: queueRedis(c),
          concurrency: workerConcurrency(c.worker.concurrency),
          livenessMs: c.worker.livenessMs,
          connectionName: 'worker-queue',
          onError: warn('turn queue connection error'),
          onWaited: (ms) => metrics.queueWaited(ms),
        }),
    },
    {
      provide: ScheduledJobs,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) =>
        new ScheduledJobs(queueRedis(c), { onError: warn('maintenance queue connection error') }),
    },
    { provide: SpawnBroker, useFactory: () => new SpawnBroker() },
    {
      provide: LiveSessionRegistry,
      inject: [
        APP_CONFIG,
        CLAUDE_BINARY,
        SessionEventLog,
        LAUNCHER,
        SpawnBroker,
        ApprovalStore,
        SessionStore,
      ],
      useFactory: (
        c: AppConfig,
        binary: string,
        log: SessionEventLog,
        launcher: Launcher,
        spawner: SpawnBroker,
        approvals: ApprovalStore,
        sessions: SessionStore,
      ) =>
        new LiveSessionRegistry({
          binary,
          launcher,
          spawner,
          approvals: { store: approvals, sessions, recheckMs: APPROVAL_RECHECK_MS, logger },
          dataDir: c.storage.dataDir,
          env: {
            ...c.host.env,
            ANTHROPIC_API_KEY: c.claude.anthropicApiKey,
            ANTHROPIC_BASE_URL: c.claude.anthropicBaseUrl,
          },
          passthrough: c.claude.passthrough,
          settings: {
            settingSources: c.claude.settingSources,
            strictMcpConfig: c.claude.strictMcpConfig,
            settings: managedSettingsJson(c.claude.managedSettings),
          },
          inactivityTimeoutMs: c.claude.inactivityTimeoutMs,
          maxLineBytes: c.claude.maxLineBytes,
          stderrBytes: c.claude.stderrBytes,
          sinkFor: (sessionId) =>
            new EventWriter(log, sessionId, {
              maxPendingEvents: c.worker.eventBufferEvents,
              onError: (err) =>
                logger.warn({ sessionId, err: err.message }, 'event stream write failed; retrying'),
            }),
        }),
    },
    {
      provide: CHECKPOINT_STORE,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => createCheckpointStore(c.storage),
    },
    {
      provide: SessionWorkspaces,
      inject: [APP_CONFIG, CHECKPOINT_STORE],
      useFactory: (c: AppConfig, store: ObjectCheckpointStore) =>
        new SessionWorkspaces(store, {
          maxBytes: c.workspace.maxBytes,
          maxFiles: c.workspace.maxFiles,
          excludes: c.workspace.excludes,
          seed: seedLimitsOf(c.workspace, c.host.env),
          workspaceBytesOf: (tenant) => limitsOf(c.tenantLimits, tenant).workspaceBytes,
        }),
    },
    {
      provide: SessionCheckpointer,
      inject: [
        APP_CONFIG,
        CHECKPOINT_STORE,
        SessionStore,
        SessionEventLog,
        SessionWorkspaces,
        LAUNCHER,
        WorkerMetrics,
      ],
      useFactory: (
        c: AppConfig,
        store: ObjectCheckpointStore,
        sessions: SessionStore,
        log: SessionEventLog,
        workspaces: SessionWorkspaces,
        launcher: Launcher,
        metrics: WorkerMetrics,
      ) =>
        new SessionCheckpointer({
          store,
          sessions,
          log,
          workspaces,
          dataDir: c.storage.dataDir,
          launcher,
          metrics,
        }),
    },
    {
      provide: TurnCheckpoints,
      inject: [SessionStore, SessionCheckpointer, SessionEventLog, LiveSessionRegistry],
      useFactory: (
        sessions: SessionStore,
        checkpointer: SessionCheckpointer,
        events: SessionEventLog,
        registry: LiveSessionRegistry,
      ) =>
        new TurnCheckpoints({
          sessions,
          checkpointer,
          events,
          busy: (sessionId) => registry.get(sessionId)?.busy === true,
          logger,
        }),
    },
    {
      provide: CheckpointGc,
      inject: [APP_CONFIG, CHECKPOINT_STORE],
      useFactory: (c: AppConfig, store: ObjectCheckpointStore) =>
        new CheckpointGc(store, c.gc, logger),
    },
    {
      provide: SessionHolds,
      inject: [
        APP_CONFIG,
        SessionStore,
        SessionLeases,
        SessionControl,
        SessionEventLog,
        SessionCheckpointer,
        TurnCheckpoints,
        LiveSessionRegistry,
      ],
      useFactory: (
        c: AppConfig,
        sessions: SessionStore,
        leases: SessionLeases,
        control: SessionControl,
        events: SessionEventLog,
        checkpointer: SessionCheckpointer,
        checkpoints: TurnCheckpoints,
        registry: LiveSessionRegistry,
      ) =>
        new SessionHolds({
          sessions,
          leases,
          control,
          events,
          checkpointer,
          checkpoints,
          registry,
          sessionIdleMs: c.worker.sessionIdleMs,
          logger,
        }),
    },
    {
      provide: TurnBudgets,
      inject: [REDIS_COMMANDS, APP_CONFIG],
      useFactory: (r: RedisClient, c: AppConfig) =>
        new TurnBudgets({
          ledger: new UsageLedger(r),
          limitsOf: (tenant) => limitsOf(c.tenantLimits, tenant),
          logger,
        }),
    },
    {
      provide: TurnRunner,
      inject: [
        WORKER_ID,
        SessionStore,
        SessionHolds,
        SessionEventLog,
        SessionCheckpointer,
        TurnCheckpoints,
        LiveSessionRegistry,
        ApprovalStore,
        TurnBudgets,
        REDIS_COMMANDS,
        TurnConsumer,
        WorkerMetrics,
      ],
      useFactory: (
        workerId: string,
        sessions: SessionStore,
        holds: SessionHolds,
        events: SessionEventLog,
        checkpointer: SessionCheckpointer,
        checkpoints: TurnCheckpoints,
        registry: LiveSessionRegistry,
        approvals: ApprovalStore,
        budgets: TurnBudgets,
        redis: RedisClient,
        consumer: TurnConsumer,
        metrics: WorkerMetrics,
      ) =>
        new TurnRunner({
          sessions,
          holds,
          events,
          checkpointer,
          approvals,
          checkpoints,
          registry,
          budgets,
          quotas: new TenantQuotaStore(redis),
          queue: consumer,
          metrics,
          workerId,
          logger,
        }),
    },
  ];
}

function queueRedis(config: AppConfig) {
  return {
    url: requiredUrl(config),
    keyPrefix: config.redis.keyPrefix,
    cluster: config.redis.cluster === true,
  };
}

function requiredUrl(config: AppConfig): string {
  if (!config.redis.url) {
    throw new Error(
      'REDIS_URL is required to run a worker on its own (npm start embeds a Redis when it is unset)',
    );
  }
  return config.redis.url;
}
