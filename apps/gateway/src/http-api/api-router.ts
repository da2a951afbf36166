import type { ToolDefinition } from '../mcp/toolset';
import { EVENTS_ROUTE, TOOL_ROUTES, type ToolRoute } from './api-routes';
import { RouteBinding } from './route-binding';

export interface BoundRoute<R extends Omit<ToolRoute, 'status'> = ToolRoute> {
  route: R;
  tool: ToolDefinition;
  binding: RouteBinding;
}

export type EventsRoute = BoundRoute<typeof EVENTS_ROUTE>;

export type RouteMatch =
  | { kind: 'tool'; bound: BoundRoute; values: string[] }
  | { kind: 'events'; bound: EventsRoute; values: string[] }
  /** The path is a route's, the method is not: 405 with these in Allow. */
  | { kind: 'method'; allow: string[] };

/**
 * The routes this gateway serves: those of the table whose tool is in its toolset (a gateway
 * started with other tools serves, and documents, only what they cover).
 */
export class ApiRouter {
  readonly tools: BoundRoute[];
  readonly events?: EventsRoute;

  constructor(toolset: readonly ToolDefinition[]) {
    const byName = new Map(toolset.map((tool) => [tool.name, tool]));
    this.tools = TOOL_ROUTES.flatMap((route) => {
      const tool = byName.get(route.tool);
      if (!tool) return [];
      return [{ route, tool, binding: new RouteBinding(route.method, route.path, tool.input) }];
    });
    const events = byName.get(EVENTS_ROUTE.tool);
    if (events) {
      // The stream pages and waits on its own: only the cursor is the client's.
      const binding = new RouteBinding('GET', EVENTS_ROUTE.path, events.input, ['limit', 'waitMs']);
      this.events = { route: EVENTS_ROUTE, tool: events, binding };
    }
  }

  find(method: string, pathname: string): RouteMatch | undefined {
    const allow: string[] = [];
    for (const bound of this.tools) {
      const values = bound.binding.match(pathname);
      if (!values) continue;
      if (bound.route.method === method) return { kind: 'tool', bound, values };
      allow.push(bound.route.method);
    }
    const values = this.events?.binding.match(pathname);
    if (this.events && values) {
      if (method === 'GET') return { kind: 'events', bound: this.events, values };
      allow.push('GET');
    }
    return allow.length > 0 ? { kind: 'method', allow } : undefined;
  }
}
