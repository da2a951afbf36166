import net from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** Asks the OS for a port that is free right now (another process may still grab it later). */
export function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Returns an error to stop waiting early (e.g. the process already exited). */
  abort?: () => Error | undefined;
}

/** Polls `check` until it returns true; resolves false on timeout, rejects on abort. */
export async function pollUntil(
  check: () => Promise<boolean>,
  opts: WaitOptions,
): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted) throw aborted;
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await delay(opts.intervalMs ?? 25);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when something accepts TCP connections on host:port within timeoutMs. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
