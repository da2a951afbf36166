import http from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { TestServiceStartFailed } from '../errors';
import { LOOPBACK } from '../net';
import { ensureDesForS3rver } from './des-shim';

/**
 * s3rver's request handler behind our own http.Server: s3rver.run() leaves 'error' unhandled, so a
 * taken port would crash the process instead of rejecting, and its close() waits for keep-alive
 * sockets that the SDK holds open indefinitely.
 */
export class S3rverServer {
  private readonly handler: http.RequestListener;
  private server?: http.Server;
  private boundPort = 0;

  constructor(readonly dir: string) {
    ensureDesForS3rver();
    // silent also stops Koa printing every 404 to stderr.
    this.handler = new S3rver({ directory: dir, silent: true }).callback();
  }

  get port(): number {
    return this.boundPort;
  }

  /** First start takes a free port; later starts reuse it so clients find the server again. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer(this.handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, LOOPBACK, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      const detail =
        (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? `port ${this.boundPort} was taken by another process while the server was stopped`
          : String(err);
      throw new TestServiceStartFailed(
        `s3rver on ${LOOPBACK}:${this.boundPort}`,
        detail,
        undefined,
        { cause: err },
      );
    });
    this.boundPort = (server.address() as AddressInfo).port;
    // A suite that forgets close() must not keep jest from exiting.
    server.unref();
    this.server = server;
  }

  /** Refuses new connections at once and cuts open ones, like a server that went away. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
