import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Counter } from 'prom-client';

/**
 * Counts a server's answered requests by status code and knows its open event streams, from the
 * server's own `request` event: nothing in the request path changes, and the set holds only
 * requests in flight (each leaves it when its response closes).
 */
export class HttpRequests {
  private readonly inFlight = new Set<ServerResponse>();

  constructor(private readonly answered: Counter<'status'>) {}

  attach(server: Server): void {
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      this.inFlight.add(res);
      res.once('close', () => {
        this.inFlight.delete(res);
        // A client gone before any answer was sent has no status worth counting.
        if (res.headersSent) this.answered.inc({ status: String(res.statusCode) });
      });
    });
  }

  /** Responses streaming SSE right now: waited calls, event streams, GET streams. */
  openStreams(): number {
    let open = 0;
    for (const res of this.inFlight) {
      const type = res.headersSent ? res.getHeader('content-type') : undefined;
      if (typeof type === 'string' && type.startsWith('text/event-stream')) open++;
    }
    return open;
  }
}
