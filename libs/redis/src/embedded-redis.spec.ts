import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { eventually } from '@app/testing/eventually';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis';

/** The real redis-server (CI installs it): started, probed and stopped for real. */
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z/.test(stat(pid));
const stat = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8');
const groupOf = (pid: number) => Number(stat(pid).split(') ')[1].split(' ')[2]);

let dataDir: string;
let redis: EmbeddedRedis | undefined;

beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'embredis-'))));
afterEach(async () => {
  await redis?.stop();
  redis = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

async function attempt(client: Redis, ...command: [string, ...string[]]): Promise<string> {
  try {
    return String(await client.call(...command));
  } catch (error) {
    return (error as Error).message;
  } finally {
    client.disconnect();
  }
}

const quietClient = (url: string) => {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  return client;
};

describe('startEmbeddedRedis', () => {
  it('refuses a client without the password; the URL carries it, argv and the data dir do not', async () => {
    redis = await startEmbeddedRedis(dataDir);
    const url = new URL(redis.url);
    const password = decodeURIComponent(url.password);
    expect(password).toMatch(/^[0-9a-f]{64}$/);

    const anonymous = quietClient(`redis://127.0.0.1:${url.port}`);
    expect(await attempt(anonymous, 'get', 'x')).toMatch(/NOAUTH/);
    const wrong = quietClient(`redis://:not-the-password@127.0.0.1:${url.port}`);
    expect(await attempt(wrong, 'ping')).toMatch(/WRONGPASS|invalid password/i);
    expect(await attempt(quietClient(redis.url), 'ping')).toBe('PONG');
    // An authenticated client still cannot rewrite the server's files or load code.
    expect(await attempt(quietClient(redis.url), 'config', 'get', 'dir')).toMatch(
      /unknown command/,
    );
    expect(await attempt(quietClient(redis.url), 'module', 'list')).toMatch(/unknown command/);

    const cmdline = readFileSync(`/proc/${redis.pid}/cmdline`, 'utf8');
    expect(cmdline).toMatch(/redis-server/);
    expect(cmdline).not.toContain(password);
    for (const name of readdirSync(join(dataDir, 'redis'), { recursive: true }) as string[]) {
      const path = join(dataDir, 'redis', name);
      if (statSync(path).isFile()) expect(readFileSync(path, 'utf8')).not.toContain(password);
    }
    expect(statSync(join(dataDir, 'redis')).mode & 0o777).toBe(0o700);
  });

  it('runs in its own process group and leaves no process after stop()', async () => {
    redis = await startEmbeddedRedis(dataDir);
    const { pid } = redis;
    expect(groupOf(pid)).toBe(pid);
    expect(groupOf(pid)).not.toBe(groupOf(process.pid));
    await redis.stop();
    redis = undefined;
    expect(alive(pid)).toBe(false);
  });

  it('a new password each start: the old one no longer opens the same data', async () => {
    redis = await startEmbeddedRedis(dataDir);
    await attempt(quietClient(redis.url), 'set', 'kept', 'yes');
    const first = redis.url;
    await redis.stop();
    redis = await startEmbeddedRedis(dataDir);
    expect(await attempt(quietClient(redis.url), 'get', 'kept')).toBe('yes');
    const stale = new URL(first);
    stale.port = new URL(redis.url).port;
    expect(await attempt(quietClient(stale.toString()), 'get', 'kept')).toMatch(
      /WRONGPASS|invalid/i,
    );
  });
});

describe('the embedded Redis and the app around it', () => {
  const fixture = join(__dirname, 'spec', 'embedded-redis-app.ts');

  function startApp() {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', fixture, dataDir], {
      cwd: join(__dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { child, output: () => out, exited };
  }

  async function redisPidOf(app: ReturnType<typeof startApp>): Promise<number> {
    await eventually(
      () => `redis pid in: ${app.output()}`,
      () => /redis-pid \d+/.test(app.output()),
      30_000,
    );
    return Number(app.output().match(/redis-pid (\d+)/)?.[1]);
  }

  it('survives Ctrl-C to the app’s process group until the app stops it, last', async () => {
    const app = startApp();
    const pid = await redisPidOf(app);
    // What a terminal does on Ctrl-C: SIGINT to the whole foreground group.
    process.kill(-app.child.pid!, 'SIGINT');
    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('after-sigint PONG');
    expect(alive(pid)).toBe(false);
  });

  it('dies when the app is SIGKILLed (parent-death signal)', async () => {
    const app = startApp();
    const pid = await redisPidOf(app);
    app.child.kill('SIGKILL');
    await app.exited;
    await eventually(
      `redis-server ${pid} to exit after its parent died`,
      () => !alive(pid),
      10_000,
    );
  });
});
