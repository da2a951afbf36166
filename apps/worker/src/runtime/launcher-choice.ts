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
 * with a loud warning; `none` runs plain, also with a warning. SANDBOX_NETWORK defaults to
 * `proxy`, which needs the sandbox: set explicitly, it is refused wherever the CLI would run
 * plain; left to its default, it gives way there with a warning that the CLI has the worker's
 * network. `host` with the sandbox is an explicit opt-in, warned about at every start.
 */
export async function chooseLauncher(
  config: Pick<AppConfig, 'sandbox' | 'claude'>,
  logger: Logger,
  options: LauncherChoiceOptions = {},
): Promise<Launcher> {
  const { sandbox } = config;
  const bwrap = options.bwrap ?? 'bwrap';
  if (sandbox.mode === 'none') {
    if (sandbox.network === 'proxy' && sandbox.networkExplicit) {
      throw new Error(
        'SANDBOX_NETWORK=proxy needs the bubblewrap sandbox (the proxy is its only network), ' +
          'but SANDBOX=none: set SANDBOX=bwrap, or SANDBOX_NETWORK=host',
      );
    }
    logger.warn(
      'SANDBOX=none: Claude CLI processes run unsandboxed, with the worker’s file system view',
    );
    warnHostNetwork(logger, 'the CLI runs unsandboxed (SANDBOX=none)');
    return plain(config, logger, 'SANDBOX=none runs the CLI unsandboxed');
  }
  const probe = await probeBwrap(bwrap);
  if (probe.ok) {
    if (sandbox.network === 'host') {
      logger.warn(
        'SANDBOX_NETWORK=host: sandboxed Claude CLI processes share the worker’s NETWORK: a ' +
          'session’s commands reach whatever the worker reaches (Redis, the object store, the ' +
          'gateway, cloud metadata, cluster services); unset SANDBOX_NETWORK for the egress proxy',
      );
    }
    return createSandboxLauncher({
      network: sandbox.network,
      apiBaseUrl: config.claude.anthropicBaseUrl,
      proxyAllow: sandbox.proxyAllow,
      limits: sandbox.limits,
      uidBase: sandbox.uidBase,
      log: logger,
      bwrap,
      runtimeDir: options.runtimeDir,
      toolDirs: options.toolDirs,
    });
  }
  if (sandbox.mode === 'bwrap') {
    throw new Error(`SANDBOX=bwrap but bubblewrap cannot run here: ${probe.reason}`);
  }
  if (sandbox.network === 'proxy' && sandbox.networkExplicit) {
    throw new Error(
      `SANDBOX_NETWORK=proxy needs the bubblewrap sandbox, which cannot run here: ${probe.reason}`,
    );
  }
  logger.warn(
    { reason: probe.reason },
    'SANDBOX unset and bubblewrap does not work here: Claude CLI processes run UNSANDBOXED; install bubblewrap or set SANDBOX=none to acknowledge',
  );
  warnHostNetwork(logger, 'the CLI runs unsandboxed (bubblewrap cannot run here)');
  return plain(config, logger, 'the CLI runs unsandboxed (bubblewrap cannot run here)');
}

/** Unsandboxed, the default egress proxy cannot apply: said as loudly as the rest. */
function warnHostNetwork(logger: Logger, why: string): void {
  logger.warn(
    { reason: why },
    `Claude CLI processes have the worker’s NETWORK, not the egress proxy: ${why}; a session’s ` +
      'commands reach whatever the worker reaches (Redis, the object store, the gateway, cloud ' +
      'metadata, cluster services)',
  );
}

function plain(config: Pick<AppConfig, 'sandbox'>, logger: Logger, why: string): Launcher {
  reportUnenforcedLimits(logger, unsandboxedLimits(config.sandbox.limits, why));
  return new PlainLauncher();
}
