import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import type { ProviderRecipe } from '../mcp/mcp.module';
import type { ToolDefinition } from '../mcp/toolset';
import { ApiEndpoint, HTTP_API_EVENTS, HTTP_API_TOOLSET } from './api-endpoint';
import { HttpApiController } from './http-api.controller';
import { DEFAULT_EVENT_STREAM, type EventStreamOptions } from './session-event-stream';

export interface HttpApiModuleOptions {
  /**
   * Modules whose exported providers the toolset factory injects, and the one exporting
   * MCP_REDIS (the request-rate quota, counted over /mcp and /api/v1 alike).
   */
  imports?: ModuleMetadata['imports'];
  /** Extra providers the toolset factory needs, when no module exports them. */
  providers?: Provider[];
  /** The tools behind the routes: the same recipe as /mcp's toolset. */
  toolset: ProviderRecipe<ToolDefinition[]>;
  /** The event stream's heartbeat and reconnection delay; default DEFAULT_EVENT_STREAM. */
  events?: Partial<EventStreamOptions>;
}

/** /api/v1: REST and Server-Sent Events beside /mcp, served by the same tools. */
@Module({})
export class HttpApiModule {
  static register(options: HttpApiModuleOptions): DynamicModule {
    return {
      module: HttpApiModule,
      imports: options.imports ?? [],
      controllers: [HttpApiController],
      providers: [
        ...(options.providers ?? []),
        { provide: HTTP_API_TOOLSET, ...options.toolset },
        { provide: HTTP_API_EVENTS, useValue: { ...DEFAULT_EVENT_STREAM, ...options.events } },
        ApiEndpoint,
      ],
    };
  }
}
