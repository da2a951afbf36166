import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import {
  connect,
  createServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@app/testing/eventually';
import { EgressPolicy } from './egress-policy';
import { EgressProxy } from './egress-proxy';

/** Real sockets end to end: a TCP echo server, an HTTP server, the proxy on a Unix socket. */
describe('EgressProxy', () => {
  let dir: string;
  let echo: NetServer;
  let web: Server;
  let proxy: EgressProxy;
  const logged: Array<Record<string, unknown>> = [];
  const echoSockets = new Set<Socket>();
  const portOf = (s: NetServer | Server) => (s.address() as AddressInfo).port;

  beforeAll(async () => {
    echo = createServer((s) => {
      echoSockets.add(s);
      s.on('close', () => echoSockets.delete(s));
      s.pipe(s);
    });
    web = createHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-host': req.headers.host });
      res.end(
        `${req.method} ${req.url} key=${String(req.headers['x-api-key'])} via=${String(req.headers['proxy-authorization'])}`,
      );
    });
    await Promise.all([
      new Promise<void>((r) => echo.listen(0, '127.0.0.1', r)),
      new Promise<void>((r) => web.listen(0, '127.0.0.1', r)),
    ]);
  });
  afterAll(async () => {
    echo.close();
    web.close();
  });
  beforeEach(async () => {
    logged.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'egress-'));
    proxy = await EgressProxy.listen({
      socketPath: join(dir, 'p.sock'),
      policy: EgressPolicy.forApi(`http://127.0.0.1:${portOf(web)}`, [`127.0.0.1:${portOf(echo)}`]),
      log: { warn: (fields, msg) => logged.push({ ...fields, msg }) },
      context: { workspace: '/srv/ws' },
    });
  });
  afterEach(async () => {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends raw bytes to the proxy and collects what comes back until it closes or `until` matches. */
  async function raw(text: string, until?: RegExp): Promise<{ data: string; socket: Socket }> {
    const socket = connect(proxy.socketPath);
    socket.write(text);
    let data = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString('utf8');
        if (until?.test(data)) resolve();
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    return { data, socket };
  }

  it('refuses CONNECT to a host that is not allowed with 403 and a reason, and logs it', async () => {
    const { data } = await raw('CONNECT 127.0.0.1:6379 HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\n');
    expect(data).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(data).toContain('127.0.0.1:6379 is not on the sandbox egress allow-list');
    expect(logged).toEqual([
      expect.objectContaining({
        msg: 'sandbox egress denied',
        target: '127.0.0.1:6379',
        workspace: '/srv/ws',
      }),
    ]);
  });

  it('tunnels CONNECT to an allowed target, bytes in both directions', async () => {
    const { data, socket } = await raw(
      `CONNECT 127.0.0.1:${portOf(echo)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      /\r\n\r\n/,
    );
    expect(data).toBe('HTTP/1.1 200 Connection Established\r\n\r\n');
    socket.write('ping through the tunnel');
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('ping through the tunnel');
    socket.destroy();
  });

  it('forwards absolute-form http requests to the API host, end-to-end headers only', async () => {
    const url = `http://127.0.0.1:${portOf(web)}/v1/messages?beta=true`;
    const answer = await new Promise<{ status?: number; body: string; host?: string }>(
      (resolve, reject) => {
        const req = request(
          {
            socketPath: proxy.socketPath,
            path: url,
            method: 'POST',
            headers: { 'x-api-key': 'sk-secret', 'proxy-authorization': 'Basic x', host: 'evil' },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode, body, host: res.headers['x-seen-host'] as string }),
            );
          },
        );
        req.on('error', reject);
        req.end('{}');
      },
    );
    expect(answer).toEqual({
      status: 200,
      body: 'POST /v1/messages?beta=true key=sk-secret via=undefined',
      host: `127.0.0.1:${portOf(web)}`,
    });
  });

  it('refuses plain http to other hosts (403), origin-form (400) and upgrades, never logging secrets', async () => {
    const denied = await raw(
      'GET http://169.254.169.254/latest/meta-data HTTP/1.1\r\nHost: 169.254.169.254\r\nx-api-key: sk-secret\r\n\r\n',
      /\n\n?$/,
    );
    expect(denied.data).toMatch(/^HTTP\/1\.1 403/);
    expect(denied.data).toContain('169.254.169.254:80 is not on the sandbox egress allow-list');
    const origin = await raw('GET /v1/messages HTTP/1.1\r\nHost: x\r\n\r\n', /only\n$/);
    expect(origin.data).toMatch(/^HTTP\/1\.1 400/);
    const upgrade = await raw(
      `GET http://127.0.0.1:${portOf(web)}/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    );
    expect(upgrade.data).toMatch(/^HTTP\/1\.1 405/);
    expect(JSON.stringify(logged)).not.toContain('sk-secret');
    for (const s of [denied, origin]) s.socket.destroy();
  });

  it('answers 502 when the upstream refuses, and keeps serving', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = portOf(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await EgressProxy.listen({
      socketPath: join(dir, 'r.sock'),
      policy: EgressPolicy.forApi(`http://127.0.0.1:${port}`),
    });
    try {
      const socket = connect(refused.socketPath);
      socket.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      expect(chunk.toString()).toMatch(/^HTTP\/1\.1 502 Bad Gateway[\s\S]*ECONNREFUSED/);
      socket.destroy();
    } finally {
      await refused.close();
    }
    const again = await raw(`CONNECT 127.0.0.1:${portOf(echo)} HTTP/1.1\r\n\r\n`, /\r\n\r\n/);
    expect(again.data).toMatch(/200 Connection Established/);
    again.socket.destroy();
  });

  it('survives a client that vanishes mid-tunnel, and close() cuts tunnels and removes the socket', async () => {
    await eventually('the tunnels of earlier tests to close', () => echoSockets.size === 0);
    const gone = await raw(`CONNECT 127.0.0.1:${portOf(echo)} HTTP/1.1\r\n\r\n`, /\r\n\r\n/);
    await eventually('the tunnel to reach the echo server', () => echoSockets.size === 1);
    const [goneUpstream] = echoSockets;
    gone.socket.destroy();
    await eventually(
      "the proxy to close the vanished client's tunnel",
      () => !echoSockets.has(goneUpstream),
    );
    const open = await raw(`CONNECT 127.0.0.1:${portOf(echo)} HTTP/1.1\r\n\r\n`, /\r\n\r\n/);
    const echoed = once(open.socket, 'data');
    open.socket.write('still there?');
    expect(String((await echoed)[0])).toBe('still there?');
    expect(echoSockets.size).toBe(1);
    const cut = once(open.socket, 'close');
    await proxy.close();
    await cut;
    expect(existsSync(proxy.socketPath)).toBe(false);
    await eventually('the echo server to see the tunnel closed', () => echoSockets.size === 0);
  });
});
