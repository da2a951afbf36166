import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Logger, Req, Res } from '@nestjs/common';
import { CONSOLE_HEADERS } from './console-headers';
import { loadConsoleAssets, type ConsoleAsset } from './console-assets';

/**
 * GET /console: the session console, a static page whose modules talk to /api/v1 with the
 * tenant's key (never sent to /console: its files hold no data, so they need none). Assets are
 * loaded on the first request, not at start-up: most gateways never serve the console.
 */
@Controller('console')
export class ConsoleController {
  private readonly log = new Logger('Console');
  private assets?: Promise<Map<string, ConsoleAsset>>;

  @Get(['', '{*path}'])
  async serve(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    let assets: Map<string, ConsoleAsset>;
    try {
      assets = await this.load();
    } catch {
      // Logged once by load(); the answer says where to look.
      return this.reply(res, 500, 'The console could not be loaded: see the gateway log.');
    }
    const found = assets.get(path);
    if (!found) return this.reply(res, 404, `No console file at ${path}`);
    if (req.headers['if-none-match'] === found.etag) {
      res.writeHead(304, { ...CONSOLE_HEADERS, ETag: found.etag, 'Cache-Control': 'no-cache' });
      return void res.end();
    }
    res.writeHead(200, {
      ...CONSOLE_HEADERS,
      'Content-Type': found.contentType,
      'Content-Length': String(found.body.length),
      ETag: found.etag,
      // Revalidated on every load: a gateway upgrade shows at the next reload.
      'Cache-Control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : found.body);
  }

  private load(): Promise<Map<string, ConsoleAsset>> {
    this.assets ??= loadConsoleAssets().catch((error: unknown) => {
      this.log.error(`console assets failed to load: ${String(error)}`);
      throw error;
    });
    return this.assets;
  }

  private reply(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, {
      ...CONSOLE_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    res.end(text);
  }
}
