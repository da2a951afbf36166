/** Gateway and worker as separate child processes, as in production, so each RSS is its own. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

export interface ServiceProcess {
  child: ChildProcess;
  /** Peak resident set size seen so far, in MiB (sampled). */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Node flags of the production start script of `entry` (package.json `start:gateway`,
 * `start:worker`: `node <flags> dist/<entry as .js>`), so the bench runs the services with the
 * flags they are deployed with (from source, through @swc-node/register). A `-r <module>`
 * there is not a flag of the service's and is left out.
 */
export function productionNodeFlags(entry: string, scripts = packageScripts()): string[] {
  const compiled = `dist/${entry.replace(/\.ts$/, '.js')}`;
  for (const script of Object.values(scripts)) {
    const words = script.split(' ').filter(Boolean);
    const last = words.at(-1)?.replace(/^\.\//, '');
    if (words[0] !== 'node' || (last !== compiled && last !== entry)) continue;
    const flags: string[] = [];
    for (let i = 1; i < words.length - 1; i++) {
      if (words[i] === '-r' || words[i] === '--require') i++;
      else if (words[i].startsWith('-')) flags.push(words[i]);
    }
    return flags;
  }
  return [];
}

function packageScripts(): Record<string, string> {
  return (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
}

/** Starts `entry` (relative to the repo) and resolves once `readyText` appears in its log. */
export async function startService(
  entry: string,
  env: Record<string, string>,
  readyText: string,
  /** The tree to run it from (a git worktree of an earlier commit, for an A/B); this one's. */
  root = ROOT,
  /** Sees all the process prints, from its first byte (a test reads its logs). */
  onOutput?: (text: string) => void,
): Promise<ServiceProcess> {
  const nodeFlags = [
    ...productionNodeFlags(entry),
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  ];
  const child = spawn(process.execPath, [...nodeFlags, '-r', '@swc-node/register', entry], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  if (process.env.BENCH_LOG_DIR) {
    const file = createWriteStream(
      join(process.env.BENCH_LOG_DIR, `${entry.replace(/\W+/g, '_')}.log`),
    );
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  }
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      onOutput?.(chunk.toString());
      log = (log + chunk.toString()).slice(-20_000);
      if (log.includes(readyText)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${entry} exited (${code}): ${log.slice(-2_000)}`)),
    );
  });
  await ready;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(child.pid ?? 0))), 100);
  return {
    child,
    peakRssMiB: () => Math.max(peak, rssMiB(child.pid ?? 0)),
    stop: async () => {
      clearInterval(sampler);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
