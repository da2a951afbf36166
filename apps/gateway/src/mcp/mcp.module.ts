import {
  Module,
  type DynamicModule,
  type ExistingProvider,
  type FactoryProvider,
  type MiddlewareConsumer,
  type ModuleMetadata,
  type NestModule,
  type Provider,
  type ValueProvider,
} from '@nestjs/common';
import type { RedisClient } from '@app/redis';
import { TenantAuthMiddleware } from '../auth/tenant-auth.middleware';
import { CallRelay } from './call-relay';
import { McpController, McpUnavailableController } from './mcp.controller';
import { LegacySessions } from './legacy-sessions';
import { McpEndpoint } from './mcp-endpoint';
import { McpSessionStore } from './mcp-session-store';
import { OWNED_REDIS_TARGET, OwnedRedis, type OwnedRedisTarget } from './owned-redis';
import { MCP_REDIS } from './redis-token';
import type { TaskSupport } from './server-factory';
import { MCP_TASKS } from './task-token';
import { MCP_TOOLSET, type ToolDefinition } from './toolset';

/** How to obtain a dependency: any Nest provider recipe, minus the token (the module sets it). */
export type ProviderRecipe<T> =
  | Omit<ValueProvider<T>, 'provide'>
  | Omit<FactoryProvider<T>, 'provide'>
  | Omit<ExistingProvider<T>, 'provide'>;

export interface McpModuleOptions {
  /** Modules whose exported providers the toolset (or redis) factory injects. */
  imports?: ModuleMetadata['imports'];
  /** Extra providers the toolset factory needs, when no module exports them. */
  providers?: Provider[];
  /** The tools served on /mcp (MCP_TOOLSET). */
  toolset: ProviderRecipe<ToolDefinition[]>;
  /** Redis for MCP sessions, SSE replay and cancellations: a client to use, or where to open one. */
  redis: ProviderRecipe<RedisClient> | OwnedRedisTarget;
  /** The tasks extension offered to 2026-07-28 clients (MCP_TASKS); none: calls are never tasks. */
  tasks?: ProviderRecipe<TaskSupport>;
}

/** The MCP Streamable HTTP endpoint (/mcp) with tenant auth in front of it. */
@Module({})
export class McpModule implements NestModule {
  static register(options: McpModuleOptions): DynamicModule {
    return {
      module: McpModule,
      imports: options.imports ?? [],
      controllers: [McpController],
      providers: [
        ...(options.providers ?? []),
        { provide: MCP_TOOLSET, ...options.toolset },
        ...redisProviders(options.redis),
        ...(options.tasks ? [{ provide: MCP_TASKS, ...options.tasks }] : []),
        TenantAuthMiddleware,
        McpSessionStore,
        CallRelay,
        LegacySessions,
        McpEndpoint,
      ],
      exports: [MCP_REDIS, CallRelay],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(TenantAuthMiddleware).forRoutes(McpController);
  }
}

function redisProviders(redis: McpModuleOptions['redis']): Provider[] {
  if (!('url' in redis)) return [{ provide: MCP_REDIS, ...redis }];
  return [
    { provide: OWNED_REDIS_TARGET, useValue: redis },
    OwnedRedis,
    { provide: MCP_REDIS, useFactory: (owned: OwnedRedis) => owned.client, inject: [OwnedRedis] },
  ];
}

/** /mcp answering 503 with the fix, for a gateway started without Redis. */
@Module({ controllers: [McpUnavailableController] })
export class McpUnavailableModule {}
