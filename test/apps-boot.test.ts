/**
 * The entry points boot as separate processes, each the way its npm script runs it: the
 * production roles (`npm run start:gateway|worker`) from the compiled build with plain node (no
 * TypeScript hook), `npm start` from source through @swc-node/register.
 *
 * The compiled roles run from a build of their own, made here with the `build` script (nest
 * build) into a private folder: `npm test` needs no earlier build, never tests a stale one, and
 * never rewrites the dist/ another process may be running from. It costs one `nest build`
 * (about 10 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { eventually } from '@app/testing/eventually';
import { startMessagesStub } from '@app/testing/messages-stub';
import { freePort, useTestRedis } from '@app/testing/services';
import { productionNodeFlags } from '../bench/system-processes';
import { callTool, connectClient, TENANT_KEYS } from './support/system';

const ROOT = join(__dirname, '..');
const PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

/** `node <node args> <entry>` of an npm script. */
function nodeCommand(script: string): { nodeArgs: string[]; entry: string } {
  const words = (scripts[script] ?? '').split(' ').filter(Boolean);
  if (words[0] !== 'node' || words.length < 2) {
    throw new Error(`package.json "${script}" is not "node [args] <entry>": ${scripts[script]}`);
  }
  return { nodeArgs: words.slice(1, -1), entry: words.at(-1) as string };
}

interface Running {
  child: ChildProcess;
  output(): string;
}

function startNode(
  nodeArgs: string[],
  entry: string,
  env: Record<string, string>,
  options: { ownGroup?: boolean } = {},
): Running {
  let output = '';
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, as a terminal gives a command: Ctrl-C signals the whole group.
    detached: options.ownGroup,
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

/** Until `url` answers 200; fails early, with the process output, if the process exits. */
async function healthy(url: string, { child, output }: Running): Promise<void> {
  await eventually(
    () => `200 from ${url}; output: ${output()}`,
    async () => (await fetch(url).catch(() => undefined))?.status === 200,
    {
      timeoutMs: 30_000,
      intervalMs: 100,
      abort: () =>
        child.exitCode === null && child.signalCode === null
          ? undefined
          : new Error(`exited (${child.exitCode ?? child.signalCode}) first: ${output()}`),
    },
  );
}

async function logged(text: string, { child, output }: Running): Promise<void> {
  await eventually(
    () => `"${text}" in the output: ${output()}`,
    () => output().includes(text),
    {
      timeoutMs: 30_000,
      abort: () =>
        child.exitCode === null && child.signalCode === null
          ? undefined
          : new Error(`exited (${child.exitCode ?? child.signalCode}) first: ${output()}`),
    },
  );
}

/** SIGTERM, and the exit code once it is gone (SIGKILL if it takes more than 20 s). */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return code;
}

/**
 * Runs the `build` script with nest-cli.json and tsconfig.build.json as they are, but emitting
 * into `out` (inside the repository, so that the build finds node_modules like dist/ does).
 * Returns how to map a dist/ path of a start script into it.
 */
async function buildInto(out: string): Promise<(distPath: string) => string> {
  const rel = (path: string) => relative(ROOT, path);
  const tsconfig = join(out, 'tsconfig.build.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: relative(out, join(ROOT, 'tsconfig.build.json')),
      compilerOptions: { outDir: join(out, 'dist') },
    }),
  );
  const relocate = (path: string) => {
    if (!/^(\.\/)?dist\//.test(path)) throw new Error(`not under dist/: ${path}`);
    return join(out, path.replace(/^(\.\/)?dist\//, 'dist/'));
  };
  const cli = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as {
    compilerOptions: { tsConfigPath?: string; assets?: Array<string | { outDir?: string }> };
  };
  cli.compilerOptions.tsConfigPath = rel(tsconfig);
  cli.compilerOptions.assets = cli.compilerOptions.assets?.map((asset) =>
    typeof asset === 'object' && asset.outDir
      ? { ...asset, outDir: rel(relocate(asset.outDir)) }
      : asset,
  );
  writeFileSync(join(out, 'nest-cli.json'), JSON.stringify(cli));

  const build = spawn('npm', ['run', 'build', '--', '-c', rel(join(out, 'nest-cli.json'))], {
    cwd: ROOT,
    env: { ...process.env, PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  build.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  build.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const [code] = (await once(build, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`npm run build failed (${code}): ${output}`);
  return relocate;
}

describe('production roles, compiled (npm run start:gateway|worker)', () => {
  const redis = useTestRedis({ label: 'boot' });
  const gateway = nodeCommand('start:gateway');
  const worker = nodeCommand('start:worker');
  let out: string | undefined;
  let gatewayEntry: string;
  let workerEntry: string;

  beforeAll(async () => {
    const cache = join(ROOT, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    out = mkdtempSync(join(cache, 'apps-boot-'));
    const relocate = await buildInto(out);
    gatewayEntry = relocate(gateway.entry);
    workerEntry = relocate(worker.entry);
  }, 180_000);
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('start scripts run compiled JavaScript with plain node', () => {
    for (const { nodeArgs, entry } of [gateway, worker]) {
      expect(entry).toMatch(/^dist\/.*\.js$/);
      // Node flags only: no -r/--require/--import of a TypeScript hook.
      expect(nodeArgs.filter((arg) => !/^--[a-z-]+(=\S+)?$/.test(arg))).toEqual([]);
      expect(
        nodeArgs.filter((arg) => /^--(require|import|loader|experimental-loader)/.test(arg)),
      ).toEqual([]);
    }
    expect(scripts['prestart:gateway']).toMatch(/build/);
    expect(scripts['prestart:worker']).toMatch(/build/);
    // The stream bench runs the roles from source with the flags it finds here.
    expect(productionNodeFlags('apps/gateway/src/main.ts')).toEqual(gateway.nodeArgs);
    expect(productionNodeFlags('apps/worker/src/main.ts')).toEqual(worker.nodeArgs);
  });

  it('the gateway serves /healthz on the configured port', async () => {
    const port = await freePort();
    const running = startNode(gateway.nodeArgs, gatewayEntry, {
      PORT: String(port),
      REDIS_URL: redis().url,
      REDIS_KEY_PREFIX: redis().keyPrefix,
    });
    let code: number | null;
    try {
      await healthy(`http://127.0.0.1:${port}/healthz`, running);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await res.json()).toMatchObject({ status: 'ok' });
    } finally {
      code = await stop(running.child);
    }
    expect(code).toBe(0);
  });

  it('the gateway refuses a public bind without API keys, naming the fix', async () => {
    const { child, output } = startNode(gateway.nodeArgs, gatewayEntry, { HOST: '0.0.0.0' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toMatch(/MCP_API_KEYS/);
  });

  it('the worker finds the claude CLI and serves /healthz', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'boot-worker-'));
    const running = startNode(worker.nodeArgs, workerEntry, {
      WORKER_HEALTH_PORT: String(port),
      REDIS_URL: redis().url,
      REDIS_KEY_PREFIX: redis().keyPrefix,
      DATA_DIR: dataDir,
    });
    let code: number | null;
    try {
      await healthy(`http://127.0.0.1:${port}/healthz`, running);
      await logged('worker ready', running);
      expect(running.output()).toContain('node_modules/.bin/claude');
    } finally {
      code = await stop(running.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(code).toBe(0);
  });

  it('the worker stops with a clear error when CLAUDE_BIN is wrong', async () => {
    const { child, output } = startNode(worker.nodeArgs, workerEntry, {
      CLAUDE_BIN: '/nope/claude',
      REDIS_URL: redis().url,
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain('claude CLI not found. Tried: /nope/claude');
  });

  it('runs a turn end to end: compiled gateway, compiled worker, the real CLI', async () => {
    const stub = await startMessagesStub();
    const [port, healthPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'boot-turn-'));
    const common = { REDIS_URL: redis().url, REDIS_KEY_PREFIX: redis().keyPrefix };
    const workerProcess = startNode(worker.nodeArgs, workerEntry, {
      ...common,
      WORKER_HEALTH_PORT: String(healthPort),
      DATA_DIR: dataDir,
      ANTHROPIC_BASE_URL: stub.url,
      ANTHROPIC_API_KEY: 'test-key',
    });
    const gatewayProcess = startNode(gateway.nodeArgs, gatewayEntry, {
      ...common,
      PORT: String(port),
      MCP_API_KEYS: `acme:${TENANT_KEYS.acme}`,
    });
    let codes: Array<number | null>;
    try {
      await healthy(`http://127.0.0.1:${healthPort}/healthz`, workerProcess);
      await healthy(`http://127.0.0.1:${port}/healthz`, gatewayProcess);
      stub.enqueue({ text: 'Hello from the compiled worker.' });
      const client = await connectClient(new URL(`http://127.0.0.1:${port}/mcp`), 'acme');
      try {
        const started = await callTool<{ status: string; result?: { result?: string } }>(
          client,
          'session_start',
          { prompt: 'Say hello.', wait: true },
        );
        if (started.status !== 'idle') {
          throw new Error(`the turn ended ${started.status}; worker: ${workerProcess.output()}`);
        }
        expect(started.result?.result).toContain('Hello from the compiled worker.');
      } finally {
        await client.close();
      }
    } finally {
      codes = [await stop(gatewayProcess.child), await stop(workerProcess.child)];
      await stub.close();
      // Only now: the worker (and the CLI it ran) no longer write into it.
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(codes).toEqual([0, 0]);
  });
});

describe('npm start (source, @swc-node/register)', () => {
  it('runs gateway and worker with an embedded Redis and serves MCP', async () => {
    const { nodeArgs, entry } = nodeCommand('start');
    expect(nodeArgs).toEqual(expect.arrayContaining(['-r', '@swc-node/register']));
    const [port, healthPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'boot-'));
    const running = startNode(nodeArgs, entry, {
      PORT: String(port),
      WORKER_HEALTH_PORT: String(healthPort),
      DATA_DIR: dataDir,
    });
    let code: number | null;
    try {
      await logged('gateway listening', running);
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
      // The embedded redis-server writes into DATA_DIR until the process has stopped it.
      code = await stop(running.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(code).toBe(0);
  });

  it('exits cleanly within 3 s on Ctrl-C to its process group, its Redis stopping last', async () => {
    const { nodeArgs, entry } = nodeCommand('start');
    const [port, healthPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'boot-'));
    const running = startNode(
      nodeArgs,
      entry,
      { PORT: String(port), WORKER_HEALTH_PORT: String(healthPort), DATA_DIR: dataDir },
      { ownGroup: true },
    );
    try {
      await logged('gateway listening', running);
      const exited = once(running.child, 'exit');
      const pressed = Date.now();
      process.kill(-running.child.pid!, 'SIGINT');
      const [code] = (await exited) as [number | null];
      const tookMs = Date.now() - pressed;
      console.log(`npm start: Ctrl-C to exit ${tookMs} ms`);
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(3_000);
      // No reconnect storm against a Redis that died first, no stack dumps.
      expect(running.output()).not.toMatch(/ECONNREFUSED|\n\s+at /);
      // Nothing of the group is left: redis-server went with it.
      await eventually('the process group to be gone', () => !groupAlive(running.child.pid!));
    } finally {
      if (running.child.pid && groupAlive(running.child.pid))
        process.kill(-running.child.pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
