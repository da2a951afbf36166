import { spawn } from 'node:child_process';
import { SandboxUnavailable } from './errors';

export type BwrapProbe = { ok: true } | { ok: false; reason: string };

const DEFAULT_TIMEOUT_MS = 2_000;

/**
 * Checks that bubblewrap can create the namespaces a sandboxed CLI needs, so a worker that
 * was asked for a sandbox refuses to start instead of silently running the CLI unsandboxed.
 */
export async function probeBwrap(
  bwrap = 'bwrap',
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<BwrapProbe> {
  const args = ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', '--', 'true'];
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(bwrap, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ ok: false, reason: `${bwrap} did not finish within ${timeoutMs} ms` });
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: spawnFailure(bwrap, error) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ ok: true });
      resolve({ ok: false, reason: namespaceFailure(stderr.trim(), code, signal) });
    });
  });
}

function spawnFailure(bwrap: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') {
    return `${bwrap} is not installed (install the bubblewrap package, e.g. apt-get install bubblewrap)`;
  }
  return `${bwrap} could not be started: ${error.message}`;
}

function namespaceFailure(stderr: string, code: number | null, signal: string | null): string {
  const status = signal ? `killed by ${signal}` : `exit code ${String(code)}`;
  const hint = /namespace|permission|not permitted|setting up uid map|clone/i.test(stderr)
    ? 'user namespaces are disabled or denied (kernel.unprivileged_userns_clone, ' +
      'user.max_user_namespaces, a seccomp/AppArmor profile, or a container without ' +
      'CAP_SYS_ADMIN); allow them for the worker or run it where they are permitted'
    : 'bubblewrap failed to create the sandbox';
  return `${hint}; bwrap ${status}: ${stderr || '(no stderr)'}`;
}

/** Throws SandboxUnavailable (with the probe's reason) where bubblewrap cannot sandbox. */
export async function requireBwrap(bwrap?: string): Promise<void> {
  const probe = await probeBwrap(bwrap);
  if (!probe.ok) throw new SandboxUnavailable(probe.reason);
}
