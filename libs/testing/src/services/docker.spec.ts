import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dockerEndpoints, isDockerAvailable, probeDocker } from './docker';

/** The probe against real sockets standing in for a daemon: answering, wedged, and absent. */
describe('Docker engine probe', () => {
  let dir: string;
  const servers: net.Server[] = [];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-probe-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const listen = async (server: net.Server, name: string): Promise<string> => {
    const socketPath = path.join(dir, name);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return socketPath;
  };

  it('says yes when the socket answers /_ping with 200', async () => {
    const socket = await listen(
      http.createServer((req, res) => res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK')),
      'ok.sock',
    );
    expect(await probeDocker({ DOCKER_HOST: `unix://${socket}` })).toBe(true);
  });

  it('says no, within the timeout, when the socket accepts but never answers', async () => {
    const socket = await listen(
      net.createServer((s) => s.on('data', () => undefined)),
      'wedged.sock',
    );
    const started = Date.now();
    expect(await probeDocker({ DOCKER_HOST: `unix://${socket}` }, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('says no when nothing listens', async () => {
    expect(await probeDocker({ DOCKER_HOST: `unix://${path.join(dir, 'absent.sock')}` })).toBe(
      false,
    );
    expect(await probeDocker({ DOCKER_HOST: 'tcp://127.0.0.1:1' })).toBe(false);
  });

  it('honours TEST_SERVICES_DOCKER without probing', async () => {
    expect(await isDockerAvailable({ TEST_SERVICES_DOCKER: '0', DOCKER_HOST: 'unix:///x' })).toBe(
      false,
    );
    expect(await isDockerAvailable({ TEST_SERVICES_DOCKER: '1' })).toBe(true);
  });

  it('parses DOCKER_HOST forms', () => {
    expect(dockerEndpoints({ DOCKER_HOST: 'unix:///run/docker.sock' })).toEqual([
      { kind: 'socket', path: '/run/docker.sock' },
    ]);
    expect(dockerEndpoints({ DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1' })).toEqual(
      [{ kind: 'tcp', host: '10.0.0.5', port: 2376, tls: true }],
    );
    expect(dockerEndpoints({ DOCKER_HOST: 'ssh://me@host' })).toEqual([]);
  });

  it('answers quickly on this machine, whatever the answer', async () => {
    const started = Date.now();
    await isDockerAvailable();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
