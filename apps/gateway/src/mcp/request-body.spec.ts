import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { drained, readJsonBody } from './request-body';

/** A server answering each POST with what readJsonBody made of it (status and message). */
async function serve(limits: { maxBytes: number; deadlineMs: number; drainMs?: number }) {
  const server = http.createServer((req, res) => {
    void readJsonBody(req, limits).then(
      async (read) => {
        const headers = !read.ok && read.status === 408 ? { Connection: 'close' } : {};
        res.writeHead(read.ok ? 200 : read.status, headers);
        if (read.ok || read.status !== 413) return void res.end(read.ok ? 'ok' : read.message);
        res.write(read.message);
        await drained(req, limits.drainMs ?? 5_000);
        if (!res.destroyed) res.end();
      },
      () => undefined,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Writes `head` and then `chunks` on a raw socket; resolves with all it read when it closed. */
function exchange(
  port: number,
  head: string,
  chunks: () => AsyncIterable<string>,
): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve({ text, ms: Date.now() - started }));
    socket.write(head);
    void (async () => {
      for await (const chunk of chunks()) {
        if (socket.destroyed) return;
        socket.write(chunk);
      }
    })();
  });
}

async function* forever(everyMs: number): AsyncGenerator<string> {
  for (let i = 0; i < 10_000; i++) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    yield 'x'.repeat(1024);
  }
}

const chunked = (body: string) => `${body.length.toString(16)}\r\n${body}\r\n`;
const HEAD = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';

describe('readJsonBody', () => {
  it('answers a body that has not arrived within the deadline with 408, then closes', async () => {
    const server = await serve({ maxBytes: 1024 * 1024, deadlineMs: 300 });
    try {
      const { text, ms } = await exchange(
        server.port,
        `${HEAD}Content-Length: 100\r\n\r\n{"a":`,
        async function* () {},
      );
      expect(text).toMatch(
        /^HTTP\/1\.1 408 .*Request Timeout: the request body did not arrive within 0\.3 s\r\n/s,
      );
      expect(ms).toBeLessThan(3_000);
    } finally {
      await server.close();
    }
  });

  it('lets a client still sending an oversize body read the 413, and cuts an endless one off', async () => {
    const server = await serve({ maxBytes: 4096, deadlineMs: 60_000, drainMs: 300 });
    try {
      const { text, ms } = await exchange(
        server.port,
        `${HEAD}Transfer-Encoding: chunked\r\n\r\n`,
        async function* () {
          for await (const chunk of forever(5)) yield chunked(chunk);
        },
      );
      expect(text).toMatch(/^HTTP\/1\.1 413 .*must not exceed 4096 bytes/s);
      expect(ms).toBeLessThan(5_000);
    } finally {
      await server.close();
    }
  });

  it('keeps the connection for the next request once an oversize body has been read away', async () => {
    const server = await serve({ maxBytes: 4096, deadlineMs: 60_000 });
    try {
      const big = 'x'.repeat(64 * 1024);
      const second = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`;
      const { text } = await exchange(
        server.port,
        `${HEAD}Content-Length: ${big.length}\r\n\r\n`,
        async function* () {
          yield big;
          yield second;
        },
      );
      expect(text).toMatch(/^HTTP\/1\.1 413 .*HTTP\/1\.1 200 .*\r\nok\r\n/s);
    } finally {
      await server.close();
    }
  });
});
