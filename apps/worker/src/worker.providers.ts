import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Provider } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { controlChannel, type ControlMessage } from '@app/contracts';
import { createRedisConnection } from '@app/redis';
import { SessionStore } from '@app/sessions';
import { createCheckpointStore, type CheckpointStore } from '@app/checkpoint';
import { SpawnBroker, type Launcher } from '@app/claude';
import { seedLimitsOf } from '@app/workspace';
import { EventWriter, SessionEventLog } from '@app/stream';
import { CLAUDE_BINARY } from './cli/claude-cli.module';
import { SessionCheckpointer } from './checkpoint/session-checkpointer';
import { SessionWorkspaces } from './checkpoint/session-workspace';
import { sweepStagingDirs } from './checkpoint/staging-sweep';
import { ControlListener } from './control/control-listener';
import { workerConcurrency } from './runtime/concurrency';
import { chooseLauncher } from './runtime/launcher-choice';
import { LiveSessionRegistry } from './runtime/live-session-registry';
import { managedSettingsJson } from './runtime/managed-settings';
import { SessionLeases } from './runtime/session-lease';
import { TurnRunner } from './turn/turn-runner';
import { REDIS_COMMANDS, REDIS_SUBSCRIBER, WORKER_CONCURRENCY, WORKER_ID } from './worker.tokens';

export const WORKER_LOGGER = Symbol('WORKER_LOGGER');
export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');
/** How CLI processes are started (plain now; a sandbox wraps the same seam). */
export const LAUNCHER = Symbol('LAUNCHER');

/** Variables the operator lets through to the CLI (CLAUDE_ENV_PASSTHROUGH), e.g. for a simulator. */
function passthrough(config: AppConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of config.claude.envPassthrough) {
    const value = process.env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

export function workerProviders(logger: Logger): Provider[] {
  return [
    { provide: WORKER_LOGGER, useValue: logger },
    {
      provide: LAUNCHER,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => chooseLauncher(c, logger),
    },
    {
      provide: WORKER_ID,
      useFactory: () => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    },
    {
      provide: WORKER_CONCURRENCY,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => workerConcurrency(c.worker.concurrency),
    },
    {
      provide: REDIS_COMMANDS,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) =>
        createRedisConnection(requiredUrl(c), {
          name: 'worker',
          keyPrefix: c.redis.keyPrefix,
          // Event writers batch per session and keep one call in flight each; auto-pipelining on
          // top made every append wait for the previous pipeline's answer and cost the worker ~9 %
          // more CPU per message (stream bench, 100 sessions).
          autoPipelining: false,
          onError: (err) => logger.warn({ err: err.message }, 'redis connection error'),
        }),
    },
    {
      provide: REDIS_SUBSCRIBER,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) =>
        createRedisConnection(requiredUrl(c), {
          name: 'worker-control',
          keyPrefix: c.redis.keyPrefix,
          onError: (err) => logger.warn({ err: err.message }, 'redis subscriber error'),
        }),
    },
    {
      provide: SessionStore,
      inject: [REDIS_COMMANDS],
      useFactory: (r: Redis) => new SessionStore(r),
    },
    {
      provide: SessionEventLog,
      inject: [REDIS_COMMANDS],
      useFactory: (r: Redis) => new SessionEventLog(r),
    },
    {
      provide: SessionLeases,
      inject: [REDIS_COMMANDS, WORKER_ID],
      useFactory: (r: Redis, id: string) => new SessionLeases(r, id),
    },
    { provide: SpawnBroker, useFactory: () => new SpawnBroker() },
    {
      provide: LiveSessionRegistry,
      inject: [APP_CONFIG, CLAUDE_BINARY, SessionEventLog, LAUNCHER, SpawnBroker],
      useFactory: (
        c: AppConfig,
        binary: string,
        log: SessionEventLog,
        launcher: Launcher,
        spawner: SpawnBroker,
      ) =>
        new LiveSessionRegistry({
          binary,
          launcher,
          spawner,
          dataDir: c.storage.dataDir,
          env: {
            ...process.env,
            ANTHROPIC_API_KEY: c.claude.anthropicApiKey,
            ANTHROPIC_BASE_URL: c.claude.anthropicBaseUrl,
          },
          passthrough: passthrough(c),
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
      provide: ControlListener,
      inject: [REDIS_SUBSCRIBER],
      useFactory: (subscriber: Redis) => new ControlListener(subscriber, logger),
    },
    {
      provide: CHECKPOINT_STORE,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => createCheckpointStore(c.storage),
    },
    {
      provide: SessionWorkspaces,
      inject: [APP_CONFIG, CHECKPOINT_STORE],
      useFactory: (c: AppConfig, store: CheckpointStore) => {
        void sweepStagingDirs(c.storage.dataDir).then(
          (removed) => removed && logger.info({ removed }, 'removed stale workspace staging dirs'),
          (err: Error) => logger.warn({ err: err.message }, 'staging dir sweep failed'),
        );
        return new SessionWorkspaces(store, {
          maxBytes: c.workspace.maxBytes,
          maxFiles: c.workspace.maxFiles,
          excludes: c.workspace.excludes,
          seed: seedLimitsOf(c.workspace),
        });
      },
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
      ],
      useFactory: (
        c: AppConfig,
        store: CheckpointStore,
        sessions: SessionStore,
        log: SessionEventLog,
        workspaces: SessionWorkspaces,
        launcher: Launcher,
      ) =>
        new SessionCheckpointer({
          store,
          sessions,
          log,
          workspaces,
          dataDir: c.storage.dataDir,
          launcher,
        }),
    },
    {
      provide: TurnRunner,
      inject: [
        APP_CONFIG,
        SessionStore,
        SessionLeases,
        LiveSessionRegistry,
        SessionEventLog,
        REDIS_COMMANDS,
        ControlListener,
        SessionCheckpointer,
      ],
      useFactory: (
        c: AppConfig,
        store: SessionStore,
        leases: SessionLeases,
        registry: LiveSessionRegistry,
        log: SessionEventLog,
        redis: Redis,
        control: ControlListener,
        checkpointer: SessionCheckpointer,
      ) => {
        const runner: TurnRunner = new TurnRunner({
          store,
          checkpointer,
          leases,
          registry,
          append: async (sessionId, events) => void (await log.append(sessionId, events)),
          requestRelease: async (sessionId) => {
            const message: ControlMessage = { action: 'release', at: Date.now() };
            await redis.publish(controlChannel(redis, sessionId), JSON.stringify(message));
          },
          onHeld: (sessionId, held) => void control.hold(sessionId, held),
          sessionIdleMs: c.worker.sessionIdleMs,
          logger,
        });
        control.onControl((sessionId, message) => runner.control(sessionId, message.action));
        return runner;
      },
    },
  ];
}

function requiredUrl(config: AppConfig): string {
  if (!config.redis.url) {
    throw new Error(
      'REDIS_URL is required to run a worker on its own (npm start embeds a Redis when it is unset)',
    );
  }
  return config.redis.url;
}
