import { SandboxLimitInvalid } from './errors';
import { findSandboxTool, probeProcessLimit } from './probe';

/** Per-session limits (0: no limit), from SANDBOX_MAX_PROCESSES / _FILE_BYTES / _MEMORY_BYTES. */
export interface SandboxLimits {
  maxProcesses: number;
  maxFileBytes: number;
  maxMemoryBytes: number;
}

/** A configured limit the platform cannot enforce, and why: the worker logs one warning each. */
export interface UnenforcedLimit {
  variable: string;
  reason: string;
}

export interface LimitsPlan {
  /** The limits the sandbox applies (an unenforceable one is 0 here). */
  enforced: SandboxLimits;
  unenforced: UnenforcedLimit[];
}

/**
 * The claude CLI (a Bun runtime) reserves its heap up front: checked with 2.1.331, it runs a
 * tool turn under an address-space limit of 768 MiB and aborts at start under 512 MiB.
 */
export const MIN_MEMORY_BYTES = 1024 ** 3;

export const NO_LIMITS: SandboxLimits = { maxProcesses: 0, maxFileBytes: 0, maxMemoryBytes: 0 };

const VARIABLES: Record<keyof SandboxLimits, string> = {
  maxProcesses: 'SANDBOX_MAX_PROCESSES',
  maxFileBytes: 'SANDBOX_MAX_FILE_BYTES',
  maxMemoryBytes: 'SANDBOX_MAX_MEMORY_BYTES',
};

/**
 * Decides, once at start-up, which limits hold here. All are rlimits set by `prlimit` inside
 * the sandbox: RLIMIT_FSIZE (largest file a process may write), RLIMIT_AS (address space of
 * each process, not the session's total) and RLIMIT_NPROC, which counts per user namespace and
 * uid, so set inside bwrap's own user namespace it caps this sandbox alone (set outside, it
 * would count every process of the worker's uid). Throws when a limit would stop the CLI itself.
 */
export async function planLimits(
  limits: SandboxLimits,
  bwrap = 'bwrap',
  toolDirs?: readonly string[],
): Promise<LimitsPlan> {
  if (limits.maxMemoryBytes > 0 && limits.maxMemoryBytes < MIN_MEMORY_BYTES) {
    throw new SandboxLimitInvalid(
      `SANDBOX_MAX_MEMORY_BYTES=${limits.maxMemoryBytes} is below ${MIN_MEMORY_BYTES} (1 GiB): ` +
        'the claude CLI aborts at start under a smaller address-space limit; raise it or set 0',
    );
  }
  const configured = (Object.keys(VARIABLES) as Array<keyof SandboxLimits>).filter(
    (key) => limits[key] > 0,
  );
  if (configured.length === 0) return { enforced: NO_LIMITS, unenforced: [] };
  if (!(await findSandboxTool('prlimit', toolDirs))) {
    return {
      enforced: NO_LIMITS,
      unenforced: configured.map((key) => ({
        variable: VARIABLES[key],
        reason: 'prlimit (util-linux) is not installed under /usr; install util-linux',
      })),
    };
  }
  const enforced = { ...limits };
  const unenforced: UnenforcedLimit[] = [];
  if (limits.maxProcesses > 0) {
    const probe = await probeProcessLimit(bwrap);
    if (!probe.ok) {
      enforced.maxProcesses = 0;
      unenforced.push({ variable: VARIABLES.maxProcesses, reason: probe.reason });
    }
  }
  return { enforced, unenforced };
}

/** Limits when the CLI runs unsandboxed: none applies, each configured one is reported. */
export function unsandboxedLimits(limits: SandboxLimits, why: string): UnenforcedLimit[] {
  return (Object.keys(VARIABLES) as Array<keyof SandboxLimits>)
    .filter((key) => limits[key] > 0)
    .map((key) => ({ variable: VARIABLES[key], reason: why }));
}

/** The in-sandbox command prefix that applies `limits`; empty when there is none. */
export function prlimitPrefix(limits: SandboxLimits): string[] {
  const args = [
    limits.maxProcesses > 0 ? `--nproc=${limits.maxProcesses}` : '',
    limits.maxFileBytes > 0 ? `--fsize=${limits.maxFileBytes}` : '',
    limits.maxMemoryBytes > 0 ? `--as=${limits.maxMemoryBytes}` : '',
  ].filter(Boolean);
  return args.length ? ['prlimit', ...args, '--'] : [];
}
