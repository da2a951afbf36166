import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { rm } from 'node:fs/promises';
import {
  formatTarget,
  normalizeHost,
  parseAuthority,
  type EgressPolicy,
  type EgressTarget,
} from './egress-policy';

/** Where the proxy reports refusals and upstream failures; a pino logger fits. */
export interface EgressLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface EgressProxyOptions {
  /** The Unix socket to serve on (its directory must exist and be private to the worker). */
  socketPath: string;
  policy: EgressPolicy;
  log?: EgressLog;
  /** Added to every log line, e.g. which session's sandbox asked. */
  context?: Record<string, unknown>;
  /** How long an upstream TCP connect may take before the client gets 504 (default 30 s). */
  connectTimeoutMs?: number;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own: never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The sandbox's only way out: an HTTP proxy on a Unix socket that tunnels `CONNECT host:port`
 * and forwards absolute-form `http://` requests, to allowed targets only. Anything else gets a
 * short 4xx/5xx reason; the worker never crashes on a client or upstream error.
 */
export class EgressProxy {
  private readonly sockets = new Set<Duplex>();
  private readonly connectTimeoutMs: number;

  private constructor(
    private readonly server: Server,
    private readonly options: EgressProxyOptions,
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  }

  static async listen(options: EgressProxyOptions): Promise<EgressProxy> {
    const server = createServer();
    const proxy = new EgressProxy(server, options);
    server.on('connection', (socket: Socket) => proxy.track(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.forward(req, res));
    server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      proxy.tunnel(req, socket, head),
    );
    server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      socket.on('error', () => socket.destroy());
      proxy.reject(socket, 405, 'protocol upgrades are not proxied', req);
    });
    server.on('clientError', (_error, socket: Duplex) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  get socketPath(): string {
    return this.options.socketPath;
  }

  /** Stops serving, cuts every tunnel and forwarded request, removes the socket file. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    await rm(this.options.socketPath, { force: true });
  }

  private track(socket: Duplex): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private tunnel(req: IncomingMessage, client: Duplex, head: Buffer): void {
    client.on('error', () => client.destroy());
    const target = parseAuthority(req.url ?? '');
    if (!target) return this.reject(client, 400, 'CONNECT needs host:port', req);
    if (!this.options.policy.allows(target)) return this.deny(client, target, req);

    const upstream = connect({ host: target.host, port: target.port });
    this.track(upstream);
    let established = false;
    upstream.setTimeout(this.connectTimeoutMs, () =>
      this.upstreamFailed(client, target, upstream, new Error('connect timed out'), 504),
    );
    upstream.once('connect', () => {
      established = true;
      upstream.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error) => {
      if (established) client.destroy();
      else this.upstreamFailed(client, target, upstream, error, 502);
    });
    upstream.once('close', () => {
      // Before the tunnel exists the client is answered (502/504) rather than cut.
      if (established) client.destroy();
    });
    client.once('close', () => upstream.destroy());
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const url = parseAbsoluteHttp(req.url ?? '');
    if (!url) {
      return reply(res, 400, 'the egress proxy takes CONNECT or absolute http:// URLs only');
    }
    const target: EgressTarget = {
      host: normalizeHost(url.hostname),
      port: url.port ? Number(url.port) : 80,
    };
    if (!this.options.policy.allows(target)) {
      this.logDenied(target, req.method ?? '?');
      return reply(res, 403, `${formatTarget(target)} is not on the sandbox egress allow-list`);
    }
    const upstream = httpRequest({
      host: target.host,
      port: target.port,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...endToEnd(req.headers), host: url.host },
      agent: false,
      timeout: this.connectTimeoutMs,
    });
    upstream.on('socket', (socket) => {
      this.track(socket);
      // The timeout only guards the connect: a streaming response may be quiet for long.
      socket.once('connect', () => upstream.setTimeout(0));
    });
    upstream.on('timeout', () => upstream.destroy(new Error('connect timed out')));
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error) => {
      this.log(
        { target: formatTarget(target), error: describe(error) },
        'sandbox egress upstream failed',
      );
      if (res.headersSent) res.destroy();
      else reply(res, 502, `upstream ${formatTarget(target)} failed: ${describe(error)}`);
    });
    req.on('error', () => upstream.destroy());
    // The client went away before the answer was complete: stop the upstream request too.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  private deny(client: Duplex, target: EgressTarget, req: IncomingMessage): void {
    this.logDenied(target, req.method ?? '?');
    this.reject(client, 403, `${formatTarget(target)} is not on the sandbox egress allow-list`);
  }

  private reject(client: Duplex, status: number, reason: string, req?: IncomingMessage): void {
    if (req) this.log({ method: req.method, status, reason }, 'sandbox egress refused');
    writeRaw(client, status, reason);
  }

  private upstreamFailed(
    client: Duplex,
    target: EgressTarget,
    upstream: Socket,
    error: Error,
    status: 502 | 504,
  ): void {
    this.log(
      { target: formatTarget(target), error: describe(error) },
      'sandbox egress upstream failed',
    );
    upstream.destroy();
    writeRaw(client, status, `upstream ${formatTarget(target)} failed: ${describe(error)}`);
  }

  private logDenied(target: EgressTarget, method: string): void {
    this.log({ target: formatTarget(target), method }, 'sandbox egress denied');
  }

  // Never headers or bodies: they carry the API key.
  private log(fields: Record<string, unknown>, message: string): void {
    this.options.log?.warn({ ...this.options.context, ...fields }, message);
  }
}

function parseAbsoluteHttp(raw: string): URL | undefined {
  if (!/^http:\/\//i.test(raw)) return undefined;
  try {
    const url = new URL(raw);
    return url.username || url.password ? undefined : url;
  } catch {
    return undefined;
  }
}

/** Headers without hop-by-hop ones, including those the Connection header names. */
function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  }
  return out;
}

function reply(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end(`${reason}\n`);
}

function writeRaw(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed) return;
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

function describe(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message;
}
