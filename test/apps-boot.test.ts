/** Both production entry points boot as separate processes (`npm run start:gateway|worker`). */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

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

function startEntry(entry: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
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
    const { child, output } = startEntry('apps/worker/src/main.ts', { CLAUDE_BIN: '/nope/claude' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain('claude CLI not found. Tried: /nope/claude');
  });
});
