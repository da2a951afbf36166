import type { Logger } from 'pino';
import {
  createSandboxLauncher,
  PlainLauncher,
  probeBwrap,
  reportUnenforcedLimits,
  unsandboxedLimits,
  type Launcher,
} from '@app/claude';
import type { AppConfig } from '@app/config';

export interface LauncherChoiceOptions {
  /** The bubblewrap executable (default `bwrap` from PATH). */
  bwrap?: string;
  /** Host directory for the per-session egress proxy sockets (default: the OS temp dir). */
  runtimeDir?: string;
  /** Where the sandbox finds socat and prlimit (default /usr/local/bin, /usr/bin). */
  toolDirs?: readonly string[];
}

/**
 * The launcher SANDBOX asks for, checked once at start-up: `bwrap` must work or the worker
 * refuses to start (never silently unsandboxed); unset means bwrap where it works, else plain
 * with a loud warning; `none` runs plain, also with a warning. SANDBOX_NETWORK=proxy needs the
 * sandbox (and socat), so it is refused wherever the CLI would run plain.
 */
export async function chooseLauncher(
  config: Pick<AppConfig, 'sandbox' | 'claude'>,
  logger: Logger,
  options: LauncherChoiceOptions = {},
): Promise<Launcher> {
  const { sandbox } = config;
  const bwrap = options.bwrap ?? 'bwrap';
  if (sandbox.mode === 'none') {
    if (sandbox.network === 'proxy') {
      throw new Error(
        'SANDBOX_NETWORK=proxy needs the bubblewrap sandbox (the proxy is its only network), ' +
          'but SANDBOX=none: set SANDBOX=bwrap, or SANDBOX_NETWORK=host',
      );
    }
    logger.warn(
      'SANDBOX=none: Claude CLI processes run unsandboxed, with the worker’s file system view',
    );
    return plain(config, logger, 'SANDBOX=none runs the CLI unsandboxed');
  }
  const probe = await probeBwrap(bwrap);
  if (probe.ok) {
    return createSandboxLauncher({
      network: sandbox.network,
      apiBaseUrl: config.claude.anthropicBaseUrl,
      proxyAllow: sandbox.proxyAllow,
      limits: sandbox.limits,
      log: logger,
      bwrap,
      runtimeDir: options.runtimeDir,
      toolDirs: options.toolDirs,
    });
  }
  if (sandbox.mode === 'bwrap') {
    throw new Error(`SANDBOX=bwrap but bubblewrap cannot run here: ${probe.reason}`);
  }
  if (sandbox.network === 'proxy') {
    throw new Error(
      `SANDBOX_NETWORK=proxy needs the bubblewrap sandbox, which cannot run here: ${probe.reason}`,
    );
  }
  logger.warn(
    { reason: probe.reason },
    'SANDBOX unset and bubblewrap does not work here: Claude CLI processes run UNSANDBOXED; install bubblewrap or set SANDBOX=none to acknowledge',
  );
  return plain(config, logger, 'the CLI runs unsandboxed (bubblewrap cannot run here)');
}

function plain(config: Pick<AppConfig, 'sandbox'>, logger: Logger, why: string): Launcher {
  reportUnenforcedLimits(logger, unsandboxedLimits(config.sandbox.limits, why));
  return new PlainLauncher();
}
