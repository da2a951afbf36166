import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { isJsonRpcResponse } from './json-rpc';
import { installTools, type CallEnvironment } from './tool-calls';
import type { ToolDefinition } from './toolset';

export const SERVER_INFO = { name: 'claude-session-backend', version: '0.1.0' } as const;

const log = new Logger('McpExchange');

/**
 * The SDK's server builds its own Ajv instance unless given one (~150 µs of CPU, and a server is
 * built per HTTP request here); it is only for elicitation, which this server never sends. So
 * every server shares one, built on first use.
 */
let ajv: AjvJsonSchemaValidator | undefined;
const sharedValidator: jsonSchemaValidator = {
  getValidator: (schema) => (ajv ??= new AjvJsonSchemaValidator()).getValidator(schema),
};

/** An McpServer for one HTTP request, with the toolset bound to that request's tenant. */
export function buildServer(tools: readonly ToolDefinition[], env: CallEnvironment): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    jsonSchemaValidator: sharedValidator,
  });
  installTools(server, tools, env);
  // Transport errors arrive here too (connect() chains them): mostly refused client requests.
  server.server.onerror = (error) => log.debug(`MCP: ${error.message}`);
  return server;
}

export interface ExchangeOptions {
  /** The parsed POST body (undefined for GET/DELETE, or a body the SDK should refuse itself). */
  body?: unknown;
  /** JSON-RPC requests in the body: the exchange lasts until each one is answered. */
  requestIds: RequestId[];
  /**
   * True when the client cannot resume the response stream (stateless, or no event store for its
   * protocol version): a disconnect then cancels its calls. Otherwise calls run to completion and
   * their messages wait in the event store for a Last-Event-ID reconnect to any replica.
   */
  cancelOnDisconnect: boolean;
}

/**
 * Runs one HTTP request through a fresh server and transport and closes both once every request
 * in it has been answered: the SSE stream may end (client gone) long before a call does.
 */
export async function serveExchange(
  server: McpServer,
  transport: StreamableHTTPServerTransport,
  req: IncomingMessage,
  res: ServerResponse,
  opts: ExchangeOptions,
): Promise<void> {
  const answered = allAnswered(transport, opts.requestIds);
  await server.connect(transport);
  let dispatched = false;
  const dispatch = transport.onmessage;
  transport.onmessage = (message, extra) => {
    dispatched = true;
    dispatch?.(message, extra);
  };
  const disconnected = new Promise<void>((resolve) => res.once('close', resolve));
  if (opts.cancelOnDisconnect) void disconnected.then(() => server.close());
  try {
    await transport.handleRequest(req, res, opts.body);
    // The SDK refuses bad requests (404, 406, 415...) before dispatching anything: nothing to wait for.
    if (dispatched)
      await Promise.race(opts.cancelOnDisconnect ? [answered, disconnected] : [answered]);
  } finally {
    await server.close();
  }
}

/** Resolves once the transport has sent (or stored for replay) a response to each request id. */
function allAnswered(
  transport: StreamableHTTPServerTransport,
  requestIds: RequestId[],
): Promise<void> {
  const pending = new Set(requestIds.map((id) => JSON.stringify(id)));
  if (pending.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const send = transport.send.bind(transport);
    transport.send = async (message, options) => {
      try {
        await send(message, options);
      } finally {
        if (isJsonRpcResponse(message) && 'id' in message) {
          pending.delete(JSON.stringify(message.id));
          if (pending.size === 0) resolve();
        }
      }
    };
  });
}
