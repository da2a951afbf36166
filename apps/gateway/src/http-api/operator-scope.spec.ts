import { z } from 'zod';
import type { ToolDefinition } from '../mcp/toolset';
import type { BoundRoute } from './api-router';
import { TOOL_ROUTES } from './api-routes';
import { OperatorScope } from './operator-scope';
import { RouteBinding } from './route-binding';

const input = z.object({ sessionId: z.string(), message: z.string().optional() });

function bound(method: string, path: string): BoundRoute {
  const route = TOOL_ROUTES.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  const tool = { name: route.tool, input } as unknown as ToolDefinition;
  return { route, tool, binding: new RouteBinding(route.method, route.path, input) };
}

const sessions = {
  find: async (id: string) => (id === 's-1' ? { tenant: 'globex' } : undefined),
} as unknown as ConstructorParameters<typeof OperatorScope>[0];

describe('OperatorScope', () => {
  const read = new OperatorScope(sessions, ['acme', 'globex'], false);
  const write = new OperatorScope(sessions, ['acme', 'globex'], true);

  it("serves a session's routes as its own tenant", async () => {
    await expect(read.tenantFor(bound('GET', '/sessions/{sessionId}'), ['s-1'])).resolves.toBe(
      'globex',
    );
  });

  it('changes a session only where ADMIN_SESSIONS_WRITABLE says so', async () => {
    const send = bound('POST', '/sessions/{sessionId}/messages');
    await expect(read.tenantFor(send, ['s-1'])).rejects.toMatchObject({
      status: 403,
      code: 'OperatorReadOnly',
    });
    await expect(write.tenantFor(send, ['s-1'])).resolves.toBe('globex');
  });

  it('starts no session, writable or not, and finds no unknown one', async () => {
    await expect(write.tenantFor(bound('POST', '/sessions'), [])).rejects.toMatchObject({
      status: 403,
      code: 'OperatorNoTenant',
    });
    await expect(
      read.tenantFor(bound('GET', '/sessions/{sessionId}'), ['nope']),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      read.tenantFor(bound('GET', '/sessions/{sessionId}'), ['%E0%A4%A']),
    ).rejects.toMatchObject({ status: 404 });
  });
});
