import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigModule, type AppConfig } from '@app/config';
import { HealthController } from '@app/health';
import { GatewayMetrics, MetricsModule, TenantLabels } from '@app/metrics';
import { TracingModule } from '@app/tracing';
import { QueueDashboardModule } from './admin/queue-dashboard.module';
import { ConsoleModule } from './console/console.module';
import { HttpApiModule } from './http-api/http-api.module';
import { McpModule, McpUnavailableModule, type McpModuleOptions } from './mcp';
import { taskSupport } from './tasks';

/** What the composition root adds to the gateway: the tools, and where their dependencies come from. */
export interface GatewayExtensions {
  /** Modules whose exported providers the toolset factory injects (sessions, queue...). */
  imports?: McpModuleOptions['imports'];
  providers?: McpModuleOptions['providers'];
  /** The MCP_TOOLSET provider; default: no tools. */
  toolset?: McpModuleOptions['toolset'];
  /** Redis for MCP sessions; default: a connection to REDIS_URL (none: /mcp answers 503). */
  redis?: McpModuleOptions['redis'];
  /** The tasks extension for 2026-07-28 clients; default: session_start and session_send as tasks. */
  tasks?: McpModuleOptions['tasks'];
}

@Module({})
export class GatewayModule {
  static forRoot(config: AppConfig, extensions: GatewayExtensions = {}): DynamicModule {
    const mcp = mcpModule(config, extensions);
    return {
      module: GatewayModule,
      // The extensions' modules here too: /readyz asks what they export (READINESS_PROBES).
      imports: [
        ConfigModule.forRoot(config),
        // /readyz answering 503 while draining or while Redis is away is not an error to log.
        TerminusModule.forRoot({ logger: false }),
        // /metrics, and GatewayMetrics for whatever records something (global).
        MetricsModule.forRoot(new GatewayMetrics(TenantLabels.fromConfig(config))),
        mcp,
        ...httpApiModule(mcp, extensions),
        QueueDashboardModule.register(config),
        ConsoleModule,
        TracingModule.forRoot(config.tracing),
        ...(extensions.imports ?? []),
      ],
      controllers: [HealthController],
    };
  }
}

/**
 * /api/v1 beside /mcp: the same tools, and /mcp's Redis for the request-rate quota (the same
 * module object, so one instance). Without Redis there are no sessions to serve.
 */
function httpApiModule(
  mcp: DynamicModule | typeof McpUnavailableModule,
  extensions: GatewayExtensions,
): DynamicModule[] {
  if (mcp === McpUnavailableModule) return [];
  return [
    HttpApiModule.register({
      imports: [mcp, ...(extensions.imports ?? [])],
      providers: extensions.providers,
      toolset: extensions.toolset ?? { useValue: [] },
    }),
  ];
}

function mcpModule(
  config: AppConfig,
  extensions: GatewayExtensions,
): DynamicModule | typeof McpUnavailableModule {
  const { url, keyPrefix, cluster } = config.redis;
  const redis =
    extensions.redis ?? (url ? { url, keyPrefix, cluster: cluster === true } : undefined);
  if (!redis) return McpUnavailableModule;
  return McpModule.register({
    imports: extensions.imports,
    providers: extensions.providers,
    toolset: extensions.toolset ?? { useValue: [] },
    redis,
    tasks: extensions.tasks ?? taskSupport(),
  });
}
