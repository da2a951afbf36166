import type { LaunchSpec } from '../launcher';
import { BwrapLauncher, type SandboxExtension } from './bwrap-launcher';
import { egressBridge } from './egress-bridge';
import { EgressPolicy } from './egress-policy';
import type { EgressLog } from './egress-proxy';
import { SandboxUnavailable } from './errors';
import { findSandboxTool } from './probe';
import { NO_LIMITS, planLimits, type SandboxLimits, type UnenforcedLimit } from './resource-limits';
import { sandboxUser } from './sandbox-user';
import { sessionLimits } from './session-limits';

/** How the worker reports what the sandbox can and cannot do; a pino logger fits. */
export interface SandboxLog extends EgressLog {
  info(fields: Record<string, unknown>, message: string): void;
}

export interface SandboxLauncherOptions {
  /** `host` shares the worker's network; `proxy` leaves only the egress proxy. */
  network: 'host' | 'proxy';
  /** ANTHROPIC_BASE_URL: the proxy lets the sandbox reach its host (default api.anthropic.com:443). */
  apiBaseUrl?: string;
  /** SANDBOX_PROXY_ALLOW: further `host[:port]` entries. */
  proxyAllow?: string[];
  limits?: SandboxLimits;
  /** SANDBOX_UID_BASE: a root worker runs each sandbox as its own uid from here up (0: off). */
  uidBase?: number;
  /** Look for per-session cgroups (default true). */
  cgroups?: boolean;
  log: SandboxLog;
  bwrap?: string;
  /** Host directory for the per-session proxy sockets (default: the OS temp dir). */
  runtimeDir?: string;
  egressPort?: number;
  /** Where the sandbox's PATH finds socat and prlimit (default /usr/local/bin, /usr/bin). */
  toolDirs?: readonly string[];
}

type Extend = (spec: LaunchSpec) => Promise<SandboxExtension> | SandboxExtension;

/**
 * Builds the bubblewrap launcher the configuration asks for, after checking at start-up what
 * this machine allows: the proxy network needs socat inside the sandbox (refused without it),
 * and every configured resource limit is applied or reported with one warning saying why not.
 */
export async function createSandboxLauncher(
  options: SandboxLauncherOptions,
): Promise<BwrapLauncher> {
  const bwrap = options.bwrap ?? 'bwrap';
  const extensions: Extend[] = [];

  const plan = await planLimits(options.limits ?? NO_LIMITS, {
    bwrap,
    toolDirs: options.toolDirs,
    uidBase: options.uidBase,
    runtimeDir: options.runtimeDir,
    cgroups: options.cgroups,
  });
  reportUnenforcedLimits(options.log, plan.unenforced);
  // Order inside the sandbox: drop to the session's uid first, then the rlimits, then the
  // egress bridge (which runs under both) and the CLI.
  if (plan.uids) extensions.push(sandboxUser(plan.uids, plan.setpriv));
  extensions.push(sessionLimits(plan, options.log));

  let policy: EgressPolicy | undefined;
  if (options.network === 'proxy') {
    if (!(await findSandboxTool('socat', options.toolDirs))) {
      throw new SandboxUnavailable(
        'SANDBOX_NETWORK=proxy bridges the sandbox to its egress proxy with socat, which is not ' +
          'installed under /usr: install it (e.g. apt-get install socat) or use SANDBOX_NETWORK=host',
      );
    }
    policy = EgressPolicy.forApi(options.apiBaseUrl, options.proxyAllow);
    extensions.push(
      egressBridge({
        policy,
        log: options.log,
        runtimeDir: options.runtimeDir,
        port: options.egressPort,
      }),
    );
  }

  options.log.info(
    {
      network: options.network,
      egressAllow: policy?.describe(),
      limits: plan.enforced,
    },
    'Claude CLI processes run in a bubblewrap sandbox',
  );
  return new BwrapLauncher({
    network: options.network === 'proxy' ? 'none' : 'host',
    bwrap,
    extend: composeExtensions(extensions),
    userNamespace: !plan.uids,
    // /tmp and HOME live in memory: neither may hold more than the session's memory limit.
    tmpfsBytes: plan.limits.maxMemoryBytes || undefined,
  });
}

/** One warning per limit that does not hold, naming its variable: never silently unlimited. */
export function reportUnenforcedLimits(log: EgressLog, unenforced: UnenforcedLimit[]): void {
  for (const { variable, reason, partial } of unenforced) {
    const what = partial ? 'is only partly enforced' : 'is NOT enforced';
    log.warn({ limit: variable, reason }, `${variable} ${what}: ${reason}`);
  }
}

/** Runs each extension in order and merges them; if one fails, the earlier ones are released. */
export function composeExtensions(extensions: readonly Extend[]): Extend {
  return async (spec) => {
    const parts: SandboxExtension[] = [];
    try {
      for (const extend of extensions) parts.push(await extend(spec));
    } catch (error) {
      await releaseAll(parts);
      throw error;
    }
    return {
      bwrapArgs: parts.flatMap((p) => p.bwrapArgs ?? []),
      prefix: parts.flatMap((p) => p.prefix ?? []),
      innerPrefix: parts.flatMap((p) => p.innerPrefix ?? []),
      env: Object.assign({}, ...parts.map((p) => p.env ?? {})) as Record<string, string>,
      release: () => releaseAll(parts),
      started: (pid) => parts.forEach((p) => p.started?.(pid)),
      // The first part that names a limit wins (there is one that can).
      limitReached: async (exit) => {
        for (const part of parts) {
          const limit = await part.limitReached?.(exit).catch(() => undefined);
          if (limit) return limit;
        }
        return undefined;
      },
    };
  };
}

async function releaseAll(parts: readonly SandboxExtension[]): Promise<void> {
  await Promise.all(parts.map((p) => p.release?.().catch(() => undefined)));
}
