/** Both production entry points boot as separate processes (`npm run start:gateway|worker`). */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestRedis } from '@app/testing/services';

const ROOT = join(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function startEntry(
  entry: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

describe('entry points', () => {
  const redis = useTestRedis({ label: 'boot' });

  it('the gateway serves /healthz on the configured port', async () => {
    const port = await freePort();
    const { child, output } = startEntry('apps/gateway/src/main.ts', { PORT: String(port) });
    try {
      let body = '';
      await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        body = res ? await res.text() : '';
        return res?.status === 200;
      }, 20_000).catch((e: Error) => {
        throw new Error(`${e.message}: ${output()}`);
      });
      expect(JSON.parse(body)).toMatchObject({ status: 'ok' });
    } finally {
      await stop(child);
    }
  });

  it('the gateway refuses a public bind without API keys, naming the fix', async () => {
    const { child, output } = startEntry('apps/gateway/src/main.ts', { HOST: '0.0.0.0' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toMatch(/MCP_API_KEYS/);
  });

  it('the worker finds the claude CLI and reports ready', async () => {
    const port = await freePort();
    const { child, output } = startEntry('apps/worker/src/main.ts', {
      WORKER_HEALTH_PORT: String(port),
      REDIS_URL: redis().url,
      REDIS_KEY_PREFIX: redis().keyPrefix,
    });
    try {
      await waitFor(() => output().includes('worker ready'), 20_000).catch((e: Error) => {
        throw new Error(`${e.message}: ${output()}`);
      });
      expect(output()).toContain('node_modules/.bin/claude');
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await stop(child);
    }
  });

  it('the worker stops with a clear error when CLAUDE_BIN is wrong', async () => {
    const { child, output } = startEntry('apps/worker/src/main.ts', {
      CLAUDE_BIN: '/nope/claude',
      REDIS_URL: redis().url,
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain('claude CLI not found. Tried: /nope/claude');
  });

  it('npm start runs gateway and worker with an embedded Redis and serves MCP', async () => {
    const [port, healthPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'boot-'));
    const { child, output } = startEntry('apps/main.ts', {
      PORT: String(port),
      WORKER_HEALTH_PORT: String(healthPort),
      DATA_DIR: dataDir,
    });
    try {
      await waitFor(() => output().includes('gateway listening'), 30_000).catch((e: Error) => {
        throw new Error(`${e.message}: ${output()}`);
      });
      const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 't', version: '1' },
          },
        }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('mcp-session-id')).toBeTruthy();
      expect(await res.text()).toContain('claude-session-backend');
    } finally {
      await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(child.exitCode).toBe(0);
  });
});
