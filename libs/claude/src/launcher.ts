/**
 * The one seam that decides the command line a CLI process is started with. The runner,
 * parser and worker never build a command themselves, so a sandbox can wrap the CLI
 * (bubblewrap: different command, in-sandbox paths) without changing any of them.
 */
export interface LaunchSpec {
  /** The claude executable on the host. */
  binary: string;
  /** Arguments after the binary (from buildCliArgs). */
  args: string[];
  /** The session's working directory on the host. */
  workspaceDir: string;
  /** The session's Claude config directory on the host. */
  configDir: string;
  /** Allow-listed environment, without CLAUDE_CONFIG_DIR (the launcher knows where it lives). */
  env: Record<string, string>;
}

/** How a process ended, as a launcher's limits judge it. */
export interface LimitExit {
  code: number | null;
  signal: string | null;
}

export interface LaunchCommand {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Frees per-process resources of the launcher (e.g. a proxy socket) after exit. */
  release?: () => Promise<void>;
  /** Called with the pid once the process runs (e.g. a disk watchdog that may have to stop it). */
  started?: (pid: number) => void;
  /**
   * Asked after exit, before release: the sandbox limit that ended the process, in words naming
   * its variable (e.g. the memory limit, when the kernel's OOM killer stopped the CLI), or
   * undefined when none did.
   */
  limitReached?: (exit: LimitExit) => Promise<string | undefined>;
}

export interface Launcher {
  readonly name: string;
  prepare(spec: LaunchSpec): Promise<LaunchCommand>;
  /** The working directory as the CLI sees it: it decides the transcript's project folder. */
  visibleCwd(workspaceDir: string): string;
}

/** Runs the CLI directly on the host, in the session's directories. */
export class PlainLauncher implements Launcher {
  readonly name = 'plain';

  async prepare(spec: LaunchSpec): Promise<LaunchCommand> {
    return {
      command: spec.binary,
      args: spec.args,
      cwd: spec.workspaceDir,
      env: { ...spec.env, CLAUDE_CONFIG_DIR: spec.configDir, PWD: spec.workspaceDir },
    };
  }

  visibleCwd(workspaceDir: string): string {
    return workspaceDir;
  }
}
