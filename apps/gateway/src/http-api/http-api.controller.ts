import type { IncomingMessage, ServerResponse } from 'node:http';
import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiEndpoint } from './api-endpoint';

/** Everything under /api/v1 goes to ApiEndpoint, which owns the routing (see ApiRouter). */
@Controller('api/v1')
export class HttpApiController {
  constructor(private readonly endpoint: ApiEndpoint) {}

  @All(['', '{*path}'])
  handle(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.endpoint.handle(req, res);
  }
}
