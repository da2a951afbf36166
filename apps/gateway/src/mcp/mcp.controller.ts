import type { IncomingMessage, ServerResponse } from 'node:http';
import { All, Controller, Delete, Get, Post, Req, Res } from '@nestjs/common';
import { JsonRpcCode, replyJsonRpcError } from './json-rpc';
import { McpEndpoint } from './mcp-endpoint';

/** Streamable HTTP on /mcp. The SDK writes the responses itself, hence @Res() on every route. */
@Controller('mcp')
export class McpController {
  constructor(private readonly endpoint: McpEndpoint) {}

  @Post()
  post(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.endpoint.post(req, res);
  }

  @Get()
  get(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.endpoint.get(req, res);
  }

  @Delete()
  delete(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.endpoint.delete(req, res);
  }

  @All()
  otherMethod(@Res() res: ServerResponse): void {
    replyJsonRpcError(
      res,
      405,
      JsonRpcCode.serverError,
      'Method Not Allowed: /mcp takes POST, GET and DELETE',
      {
        Allow: 'GET, POST, DELETE',
      },
    );
  }
}

/** Mounted instead of McpController when the gateway has no Redis to keep MCP sessions in. */
@Controller('mcp')
export class McpUnavailableController {
  @All()
  unavailable(@Res() res: ServerResponse): void {
    replyJsonRpcError(
      res,
      503,
      JsonRpcCode.serverError,
      'Service Unavailable: /mcp needs Redis for its sessions; start the gateway with REDIS_URL set (npm start provides one)',
    );
  }
}
