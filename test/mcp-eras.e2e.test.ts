/**
 * Both protocol eras on /mcp, each with a real client: the real Claude Code CLI as an HTTP MCP
 * client (2026-07-28, driven offline by the Messages API stub) and the 1.x SDK's Client
 * (2025-11-25). The era is read on the gateway's side: the revision each call was served under.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  makeCliSandbox,
  runClaude,
  startMessagesStub,
  type CliSandbox,
  type MessagesStub,
} from '@app/testing/messages-stub';
import { useTestRedis } from '@app/testing/services';
import { defineTool } from '../apps/gateway/src/mcp';
import { fakeToolset, startTestGateway, type TestGateway } from './support/mcp-test-gateway';
import { connectClient, textOf } from './support/mcp-test-client';

const ACME_KEY = 'acme-key-0123456789abcdef';
const redis = useTestRedis({ label: 'mcp-eras' });

describe('both protocol eras with real clients', () => {
  /** The revision the gateway served each `whoami` call under, and for which tenant. */
  const served: Array<{ tenant: string; protocolVersion: string }> = [];
  const whoami = defineTool({
    name: 'whoami',
    description: 'Says which tenant called and under which MCP protocol revision.',
    input: z.object({}).strict(),
    handler: async (_args, ctx) => {
      served.push({ tenant: ctx.tenant, protocolVersion: ctx.protocolVersion });
      return { tenant: ctx.tenant, protocolVersion: ctx.protocolVersion };
    },
  });
  let gateway: TestGateway;
  let stub: MessagesStub;
  let sandbox: CliSandbox;

  beforeAll(async () => {
    [gateway, stub] = await Promise.all([
      startTestGateway({
        redisUrl: redis().url,
        keyPrefix: redis().keyPrefix,
        apiKeys: `acme:${ACME_KEY}`,
        tools: [...fakeToolset().tools, whoami],
      }),
      startMessagesStub(),
    ]);
    sandbox = makeCliSandbox('cc-mcp-');
  });
  afterAll(async () => {
    await Promise.allSettled([gateway?.close(), stub?.close()]);
    sandbox?.remove();
  });
  beforeEach(() => {
    served.length = 0;
  });

  it('the real claude CLI connects with 2026-07-28, lists the tools and gets a tool reply', async () => {
    const config = join(sandbox.root, 'mcp.json');
    writeFileSync(
      config,
      JSON.stringify({
        mcpServers: {
          gw: {
            type: 'http',
            url: gateway.url.href,
            headers: { Authorization: `Bearer ${ACME_KEY}` },
          },
        },
      }),
    );
    stub.enqueue({ toolUse: { name: 'mcp__gw__whoami', input: {} } }, { text: 'done' });
    const run = await runClaude({
      baseUrl: stub.url,
      sandbox,
      args: [
        '-p',
        '--input-format',
        'stream-json',
        '--output-format',
        'stream-json',
        '--verbose',
        '--mcp-config',
        config,
        '--strict-mcp-config',
        '--allowedTools',
        'mcp__gw__whoami',
      ],
      prompts: ['Who am I?'],
      timeoutMs: 90_000,
    });
    expect(run.exitCode).toBe(0);
    // The gateway served the call under 2026-07-28, for the key's tenant.
    expect(served).toEqual([{ tenant: 'acme', protocolVersion: '2026-07-28' }]);
    // tools/list: the CLI connected and took the gateway's tools as its own.
    const init = run.messages.find((m) => m.type === 'system' && m.subtype === 'init');
    expect(init?.mcp_servers).toEqual([
      expect.objectContaining({ name: 'gw', status: 'connected' }),
    ]);
    expect(init?.tools).toEqual(
      expect.arrayContaining(['mcp__gw__whoami', 'mcp__gw__echo', 'mcp__gw__slow']),
    );
    const [, second] = stub.conversationRequests();
    // The tool's reply went back to the model.
    expect(JSON.stringify(second.messages)).toContain('\\"protocolVersion\\":\\"2026-07-28\\"');
  }, 120_000);

  it('the 1.x SDK Client connects with 2025-11-25 and gets a tool reply', async () => {
    const { client, transport } = await connectClient(gateway.url, { key: ACME_KEY });
    try {
      expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('whoami');
      const result = (await client.callTool({ name: 'whoami', arguments: {} })) as CallToolResult;
      expect(JSON.parse(textOf(result))).toEqual({ tenant: 'acme', protocolVersion: '2025-11-25' });
      expect(served).toEqual([{ tenant: 'acme', protocolVersion: '2025-11-25' }]);
    } finally {
      await client.close();
    }
  });
});
