import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

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
  // The mounts and flags of a real launch: a container's masked /proc passes a bare
  // `--unshare-all` but refuses the sandbox its own /proc.
  // prettier-ignore
  const args = [
    '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp',
    '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--', 'true',
  ];
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
  const hint = /mount proc/i.test(stderr)
    ? 'the container masks parts of /proc (the runtime default), so the kernel refuses the ' +
      'sandbox a /proc of its own; on Kubernetes set securityContext.procMount: Unmasked ' +
      '(with hostUsers: false), see docs/security.md'
    : /namespace|permission|not permitted|setting up uid map|clone/i.test(stderr)
      ? 'user namespaces are disabled or denied (kernel.unprivileged_userns_clone, ' +
        'user.max_user_namespaces, a seccomp/AppArmor profile, or a container without ' +
        'CAP_SYS_ADMIN); allow them for the worker or run it where they are permitted'
      : 'bubblewrap failed to create the sandbox';
  return `${hint}; bwrap ${status}: ${stderr || '(no stderr)'}`;
}

/** The sandbox sees the host's /usr and nothing else: its PATH is /usr/local/bin:/usr/bin:/bin. */
export const SANDBOX_TOOL_DIRS: readonly string[] = ['/usr/local/bin', '/usr/bin'];

/** The path of `name` as the sandbox finds it, or undefined when the sandbox has no such tool. */
export async function findSandboxTool(
  name: string,
  dirs: readonly string[] = SANDBOX_TOOL_DIRS,
): Promise<string | undefined> {
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    if (
      await access(path, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return undefined;
}

/** How the sandbox's processes run: as the worker's uid (in a user namespace) or as `uid`. */
export interface SandboxIdentity {
  /** A root worker drops each sandbox to a uid of its own with this setpriv (see sandbox-user.ts). */
  uid?: number;
  setpriv?: string;
}

/**
 * Whether RLIMIT_NPROC holds inside a sandbox: a shell under `prlimit --nproc=1` tries to fork.
 * The kernel exempts the host's root user (and CAP_SYS_ADMIN/CAP_SYS_RESOURCE holders), so a
 * sandbox running as real root cannot be capped this way; root inside a user-namespaced pod
 * (hostUsers: false) is an ordinary user to the kernel and can, and so is a sandbox a root
 * worker runs as another uid (`identity.uid`), which the probe also checks it really becomes.
 */
export async function probeProcessLimit(
  bwrap = 'bwrap',
  identity: SandboxIdentity = {},
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<BwrapProbe> {
  const asUid = identity.uid !== undefined;
  // prettier-ignore
  const args = [
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin',
    '--proc', '/proc', '--dev', '/dev',
    ...(asUid
      ? ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try']
      : ['--unshare-all']),
    '--die-with-parent', '--cap-drop', 'ALL',
    ...(asUid
      ? ['--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP', '--',
         identity.setpriv ?? '/usr/bin/setpriv', `--reuid=${identity.uid}`, `--regid=${identity.uid}`,
         '--clear-groups', '--inh-caps=-all', '--bounding-set=-all']
      : []),
    '--', 'prlimit', '--nproc=1', '--',
    // Builtins only until the fork: prints the uid the shell runs as, then tries to fork.
    'sh', '-c', 'while read -r k a b; do [ "$k" = Uid: ] && echo "uid=$a"; done </proc/self/status; (exit 0) && echo forked',
  ];
  const { stdout, stderr, error } = await run(bwrap, args, timeoutMs);
  if (error) return { ok: false, reason: `the process-limit probe could not run: ${error}` };
  const uid = stdout.match(/uid=(\d+)/)?.[1];
  if (asUid && uid !== String(identity.uid)) {
    return {
      ok: false,
      reason: `the sandbox could not run as uid ${identity.uid}: ${stderr.trim() || stdout.trim() || '(no output)'}`,
    };
  }
  if (/Cannot fork|Resource temporarily unavailable/i.test(stderr)) return { ok: true };
  if (stdout.includes('forked')) {
    const reason =
      uid === '0'
        ? 'the sandbox runs as the host’s root user (uid 0), which the kernel exempts from ' +
          'RLIMIT_NPROC; set SANDBOX_UID_BASE (a uid per sandbox) or run the worker as a ' +
          'non-root user (Kubernetes runAsUser, or hostUsers: false)'
        : 'the kernel did not enforce RLIMIT_NPROC in a probe sandbox';
    return { ok: false, reason };
  }
  return { ok: false, reason: `the process-limit probe failed: ${stderr.trim() || '(no output)'}` };
}

function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; error?: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, error: error.message });
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
  });
}
