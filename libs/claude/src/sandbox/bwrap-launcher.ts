import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute } from 'node:path';
import type { LaunchCommand, LaunchSpec, Launcher, LimitExit } from '../launcher';
import { SandboxSpecInvalid } from './errors';

/** 'host' shares the worker's network namespace; 'none' leaves only a private loopback. */
export type SandboxNetwork = 'host' | 'none';

/**
 * Per-process additions to the sandbox: the hook for the egress proxy (bind a Unix socket,
 * start socat inside) and for resource limits, which bwrap does not set (see
 * sandbox-launcher.ts, which composes both).
 */
export interface SandboxExtension {
  /** bwrap options placed after the built-in ones, before the command (later binds win). */
  bwrapArgs?: string[];
  /** Commands the worker runs bwrap under, e.g. a limits wrapper. */
  prefix?: string[];
  /**
   * Commands the CLI runs under inside the sandbox, each ending in the command it execs (e.g.
   * `prlimit ... --`, or a shell that starts the egress bridge and then execs the CLI).
   */
  innerPrefix?: string[];
  /** Variables set inside the sandbox, after the built-in ones. */
  env?: Record<string, string>;
  /** Frees what the extension allocated, after the CLI exited. */
  release?: () => Promise<void>;
  /** Told the pid of the started process (the group leader: bwrap, or a prefix that execs it). */
  started?: (pid: number) => void;
  /** After exit, before release: the limit that ended the process, in words (see LaunchCommand). */
  limitReached?: (exit: LimitExit) => Promise<string | undefined>;
}

export interface BwrapLauncherOptions {
  network: SandboxNetwork;
  /** The bwrap executable (default: `bwrap` from PATH). */
  bwrap?: string;
  extend?: (spec: LaunchSpec) => Promise<SandboxExtension> | SandboxExtension;
  /**
   * Whether bwrap makes a user namespace (default true: what an unprivileged worker needs). A
   * root worker that runs the sandbox as another uid (see sandbox-user.ts) turns it off: bwrap
   * sets the sandbox up as root, the CLI then drops to that uid inside, a real host uid the
   * kernel counts RLIMIT_NPROC for. Its private /tmp and HOME are then world-writable.
   */
  userNamespace?: boolean;
  /** Size cap of each private tmpfs (/tmp, HOME), which lives in memory (default: the kernel's). */
  tmpfsBytes?: number;
}

/** Fixed in-sandbox paths: the transcript path is the same on every worker. */
export const SANDBOX_PATHS = {
  workspace: '/workspace',
  config: '/claude',
  cli: '/opt/claude',
  // A tmpfs: nothing outside the config dir outlives the process, like on a fresh worker.
  home: '/home/claude',
} as const;

// Host paths exist only outside; the sandbox has /usr and nothing else to search.
const SANDBOX_PATH_VAR = '/usr/local/bin:/usr/bin:/bin';

// Flag/value pairs stay on one line each. The parents of later mounts first, readable by all:
// bwrap running as root would create them 0700, closed to a sandbox that runs as its own uid.
// prettier-ignore
const BASE_ARGS: readonly string[] = [
  '--perms', '0755', '--dir', '/etc',
  '--perms', '0755', '--dir', '/opt',
  '--perms', '0755', '--dir', '/run',
  '--perms', '0755', '--dir', '/home',
  '--ro-bind', '/usr', '/usr',
  '--symlink', 'usr/lib', '/lib',
  '--symlink', 'usr/lib64', '/lib64',
  '--symlink', 'usr/bin', '/bin',
  '--symlink', 'usr/sbin', '/sbin',
  '--ro-bind', '/etc/ssl', '/etc/ssl',
];

// Name resolution for the real API; missing files are skipped, not fatal.
// prettier-ignore
const HOST_NETWORK_ARGS: readonly string[] = [
  '--ro-bind-try', '/etc/resolv.conf', '/etc/resolv.conf',
  '--ro-bind-try', '/etc/hosts', '/etc/hosts',
  '--ro-bind-try', '/etc/nsswitch.conf', '/etc/nsswitch.conf',
];

/**
 * Runs the CLI inside bubblewrap: read-only /usr, the CLI's own folder, the session's
 * workspace and config dir, private /tmp, PID/IPC/UTS/network namespaces and an environment
 * built from scratch. The worker and other sessions' files are simply not there.
 */
export class BwrapLauncher implements Launcher {
  readonly name = 'bwrap';

  constructor(private readonly options: BwrapLauncherOptions) {}

  async prepare(spec: LaunchSpec): Promise<LaunchCommand> {
    for (const [label, path] of [
      ['binary', spec.binary],
      ['workspaceDir', spec.workspaceDir],
      ['configDir', spec.configDir],
    ] as const) {
      // bwrap resolves relative sources against its own cwd: ambiguous, so refused.
      if (!isAbsolute(path)) throw new SandboxSpecInvalid(`${label} must be absolute: ${path}`);
    }
    // node_modules/.bin/claude is a relative symlink that would dangle inside the sandbox.
    const cli = await realpath(spec.binary);
    const extension = (await this.options.extend?.(spec)) ?? {};
    const env: Record<string, string> = {
      ...spec.env,
      PATH: SANDBOX_PATH_VAR,
      HOME: SANDBOX_PATHS.home,
      CLAUDE_CONFIG_DIR: SANDBOX_PATHS.config,
      PWD: SANDBOX_PATHS.workspace,
      ...extension.env,
    };
    const userNamespace = this.options.userNamespace ?? true;
    const size = this.options.tmpfsBytes ? ['--size', String(this.options.tmpfsBytes)] : [];
    // prettier-ignore
    const bwrapArgs = [
      ...BASE_ARGS,
      ...(this.options.network === 'host' ? HOST_NETWORK_ARGS : []),
      '--ro-bind', dirname(cli), SANDBOX_PATHS.cli,
      '--bind', spec.workspaceDir, SANDBOX_PATHS.workspace,
      '--bind', spec.configDir, SANDBOX_PATHS.config,
      '--dev', '/dev',
      '--proc', '/proc',
      '--perms', '1777', ...size, '--tmpfs', '/tmp',
      ...(userNamespace ? [] : ['--perms', '0777']), ...size, '--tmpfs', SANDBOX_PATHS.home,
      ...namespaceArgs(userNamespace, this.options.network),
      '--die-with-parent',
      // No controlling terminal: a tool cannot push input into the worker's TTY (TIOCSTI).
      '--new-session',
      // Running bwrap as root would otherwise leave the CLI every capability (mknod, mount...).
      '--cap-drop', 'ALL',
      ...(extension.bwrapArgs ?? []),
      '--chdir', SANDBOX_PATHS.workspace,
      '--',
      ...(extension.innerPrefix ?? []),
      `${SANDBOX_PATHS.cli}/${basename(cli)}`,
      ...spec.args,
    ];
    const bwrap = this.options.bwrap ?? 'bwrap';
    const [command, ...prefixArgs] = [...(extension.prefix ?? []), bwrap];
    return {
      command,
      args: [...prefixArgs, ...bwrapArgs],
      cwd: spec.workspaceDir,
      // bwrap hands its own environment to the CLI. It is built from scratch here rather than
      // with --clearenv/--setenv because argv is world-readable (`ps` on the host, /proc/1/cmdline
      // inside the sandbox) and would expose the API key; the environment is not.
      env,
      release: extension.release,
      started: extension.started,
      limitReached: extension.limitReached,
    };
  }

  visibleCwd(): string {
    return SANDBOX_PATHS.workspace;
  }
}

/**
 * Every namespace bwrap offers. Without a user namespace (a root worker dropping to a sandbox
 * uid) the others are listed one by one, since `--unshare-all` includes the user namespace.
 */
function namespaceArgs(userNamespace: boolean, network: SandboxNetwork): string[] {
  if (userNamespace) return ['--unshare-all', ...(network === 'host' ? ['--share-net'] : [])];
  return [
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(network === 'host' ? [] : ['--unshare-net']),
  ];
}
