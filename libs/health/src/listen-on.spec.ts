import { createServer, type Server } from 'node:net';
import { listenOn, PortInUse, type Listener } from './listen-on';

/** A listener over a plain TCP server: listen() rejects as Nest's does (the server's error). */
function tcpListener(server: Server): Listener {
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server));
      }),
  };
}

describe('listenOn', () => {
  const servers: Server[] = [];
  const open = () => {
    const server = createServer();
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map((s) => new Promise((resolve) => s.close(() => resolve(undefined)))),
    );
  });

  it('names the variable that moves a port already in use', async () => {
    const taken = open();
    await listenOn(tcpListener(taken), 0, '127.0.0.1', 'PORT');
    const port = (taken.address() as { port: number }).port;

    const error = await listenOn(tcpListener(open()), port, '127.0.0.1', 'WORKER_HEALTH_PORT').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PortInUse);
    expect((error as Error).message).toBe(
      `127.0.0.1:${port} is already in use (another npm start, or another program): ` +
        `set WORKER_HEALTH_PORT to a free port (e.g. WORKER_HEALTH_PORT=${port + 10})`,
    );
  });

  it('passes other errors on unchanged', async () => {
    const failing: Listener = { listen: () => Promise.reject(new Error('EACCES-ish')) };
    await expect(listenOn(failing, 80, '127.0.0.1', 'PORT')).rejects.toThrow('EACCES-ish');
  });
});
