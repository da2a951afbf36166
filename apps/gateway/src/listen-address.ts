import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';

/** Where MCP clients connect: the path is part of the contract (DESIGN.md: `/mcp`). */
export const MCP_PATH = '/mcp';

/**
 * The gateway's base URL as a client on this machine would type it: the port actually bound
 * (PORT=0 picks one) and, for a wildcard bind, the loopback address (0.0.0.0 is no destination).
 */
export function gatewayBaseUrl(app: INestApplication, host: string): string {
  const address = (app.getHttpServer() as Server).address() as AddressInfo | null;
  const port = address?.port ?? 0;
  const reachable = host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host;
  const bracketed =
    reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  return `http://${bracketed}:${port}`;
}
