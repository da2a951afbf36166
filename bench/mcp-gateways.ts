/**
 * Gateways for the `mcp` bench part, each its own process (its CPU is its own in /proc): the
 * current tree, and the code before the 2.x SDK (a git worktree of BASELINE_COMMIT sharing this
 * tree's node_modules, where the 1.x SDK is still installed as the test client).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, productionNodeFlags } from './system-processes';

export const ROOT = join(__dirname, '..');
/** The last commit on the 1.x SDK (the MCP layer before issue 14). */
export const BASELINE_COMMIT = '4484b23';

export interface GatewayUnderTest {
  url: URL;
  pid: number;
  stop(): Promise<void>;
}

/** A checkout of `commit` beside this tree (created once, reused), with its node_modules. */
export function baselineTree(commit = BASELINE_COMMIT): string {
  const dir = join(tmpdir(), `csb-mcp-baseline-${commit}`);
  if (!existsSync(join(dir, 'package.json'))) {
    execFileSync('git', ['worktree', 'add', '--detach', dir, commit], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  }
  if (!existsSync(join(dir, 'node_modules')))
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Starts the gateway of the tree at `root` (from source, production flags) on a free port. */
export async function startGatewayAt(
  root: string,
  env: Record<string, string>,
): Promise<GatewayUnderTest> {
  const port = await freePort();
  const entry = 'apps/gateway/src/main.ts';
  const child = spawn(
    process.execPath,
    [...productionNodeFlags(entry), '-r', '@swc-node/register', entry],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const collect = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway in ${root} exited: ${log}`);
    const ready = await fetch(new URL('/healthz', url)).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`gateway in ${root} did not start: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
