import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TestServiceStartFailed } from '../errors';
import { LOOPBACK } from '../net';
import { startTestRedis } from './start-test-redis';
import type { TestRedis } from './types';

/** What only the redis-server child path does: temp dirs, logs, start failures. */
describe('startTestRedis (local redis-server)', () => {
  let redis: TestRedis | undefined;
  afterEach(async () => {
    await redis?.close();
    redis = undefined;
  });

  it('listens on loopback, never on the system 6379', async () => {
    redis = await startTestRedis({ source: 'local' });
    expect(redis.source).toBe('local');
    expect(redis.host).toBe(LOOPBACK);
    expect(redis.port).not.toBe(6379);
    expect(redis.url).toBe(`redis://${LOOPBACK}:${redis.port}`);
  });

  it('keeps its log in a private temp dir that close() removes', async () => {
    redis = await startTestRedis({ source: 'local' });
    const dir = redis.dataDir!;
    expect(dir.startsWith(os.tmpdir())).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'redis.log'), 'utf8')).toMatch(
      /Ready to accept connections/,
    );
    await redis.close();
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('names the taken port and shows the log tail when start() cannot bind', async () => {
    redis = await startTestRedis({ source: 'local' });
    await redis.stop();
    // Hang up at once: an unread server socket never notices the client left, and close() would wait.
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(redis!.port, LOOPBACK, resolve));
    try {
      const failure = await redis.start().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(TestServiceStartFailed);
      expect((failure as TestServiceStartFailed).logTail).toMatch(/address already in use/i);
      expect((failure as Error).message).toContain(String(redis.port));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    await redis.start();
  });

  it('explains a missing binary', async () => {
    const env = { REDIS_SERVER_BIN: '/nonexistent/redis-server' };
    await expect(startTestRedis({ source: 'local', env })).rejects.toThrow(
      /not found: install redis-server/,
    );
  });

  it("includes the server's own output when it exits early", async () => {
    const bin = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fake-redis-')), 'redis-server');
    fs.writeFileSync(
      bin,
      '#!/bin/sh\necho "FATAL CONFIG FILE ERROR: bad directive" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    try {
      const failure = await startTestRedis({
        source: 'local',
        env: { REDIS_SERVER_BIN: bin },
      }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TestServiceStartFailed);
      expect((failure as Error).message).toMatch(
        /exited with code 1[\s\S]*FATAL CONFIG FILE ERROR/,
      );
    } finally {
      fs.rmSync(path.dirname(bin), { recursive: true, force: true });
    }
  });
});
