import { tmpdir } from 'node:os';
import { detectCgroups, type SessionCgroups } from './cgroups';
import { SandboxLimitInvalid } from './errors';
import { findSandboxTool, probeProcessLimit } from './probe';
import { SandboxUids } from './sandbox-user';

/**
 * Per-session limits (0: no limit), from SANDBOX_MAX_PROCESSES / _FILE_BYTES / _MEMORY_BYTES /
 * _DISK_BYTES.
 */
export interface SandboxLimits {
  maxProcesses: number;
  maxFileBytes: number;
  maxMemoryBytes: number;
  maxDiskBytes?: number;
}

/**
 * A configured limit (or protection) that does not hold here, or holds only in part, and why:
 * the worker logs one warning each, naming the variable.
 */
export interface UnenforcedLimit {
  variable: string;
  reason: string;
  /** Holds in a weaker form (e.g. memory per process instead of per session). */
  partial?: boolean;
}

/** The rlimits `prlimit` sets inside the sandbox (0: not set). */
export interface RlimitPlan {
  nproc: number;
  fsize: number;
  as: number;
}

export interface LimitsPlan {
  rlimits: RlimitPlan;
  /** Per-session cgroups, where the worker can create them. */
  cgroups?: SessionCgroups;
  /** A uid per sandbox, when the worker is root (see sandbox-user.ts). */
  uids?: SandboxUids;
  setpriv?: string;
  diskBytes: number;
  /** The limits as configured, for the messages that name them. */
  limits: Required<SandboxLimits>;
  /** Per variable: the value and what enforces it, for the start-up log. */
  enforced: Record<string, string>;
  unenforced: UnenforcedLimit[];
}

/**
 * The claude CLI (a Bun runtime) reserves its heap up front: checked with 2.1.331, it runs a
 * tool turn under an address-space limit of 768 MiB and aborts at start under 512 MiB.
 */
export const MIN_MEMORY_BYTES = 1024 ** 3;

export const NO_LIMITS: SandboxLimits = {
  maxProcesses: 0,
  maxFileBytes: 0,
  maxMemoryBytes: 0,
  maxDiskBytes: 0,
};

export const LIMIT_VARIABLES: Record<keyof SandboxLimits, string> = {
  maxProcesses: 'SANDBOX_MAX_PROCESSES',
  maxFileBytes: 'SANDBOX_MAX_FILE_BYTES',
  maxMemoryBytes: 'SANDBOX_MAX_MEMORY_BYTES',
  maxDiskBytes: 'SANDBOX_MAX_DISK_BYTES',
};

export interface PlanOptions {
  bwrap?: string;
  toolDirs?: readonly string[];
  /** SANDBOX_UID_BASE: a root worker runs each sandbox as its own uid from here (0: off). */
  uidBase?: number;
  /** Where uid claims live (default: the OS temp dir). */
  runtimeDir?: string;
  /** Whether to look for cgroups (default true; tests of the rlimit path turn it off). */
  cgroups?: boolean;
}

/**
 * Decides, once at start-up, how each limit is enforced here, strongest first:
 *
 * - processes: a cgroup's `pids.max` (the session's tasks, root or not) and RLIMIT_NPROC set
 *   inside the sandbox, which the kernel counts per uid (and user namespace) and does not apply
 *   to the real root user: a root worker therefore runs each sandbox as a uid of its own
 *   (SANDBOX_UID_BASE);
 * - memory: a cgroup's `memory.max` (the session's total), else RLIMIT_AS, per process only;
 * - file size: RLIMIT_FSIZE;
 * - disk: a watchdog that measures the session's files while its CLI runs (disk-watchdog.ts).
 *
 * Each configured limit that does not hold, or holds only in part, is returned with the reason.
 * Throws when a limit would stop the CLI itself.
 */
export async function planLimits(
  requested: SandboxLimits,
  options: PlanOptions = {},
): Promise<LimitsPlan> {
  const limits: Required<SandboxLimits> = { maxDiskBytes: 0, ...requested };
  if (limits.maxMemoryBytes > 0 && limits.maxMemoryBytes < MIN_MEMORY_BYTES) {
    throw new SandboxLimitInvalid(
      `SANDBOX_MAX_MEMORY_BYTES=${limits.maxMemoryBytes} is below ${MIN_MEMORY_BYTES} (1 GiB): ` +
        'the claude CLI cannot run a turn with less; raise it or set 0',
    );
  }
  const bwrap = options.bwrap ?? 'bwrap';
  const plan: LimitsPlan = {
    rlimits: { nproc: 0, fsize: 0, as: 0 },
    diskBytes: limits.maxDiskBytes,
    limits,
    enforced: {},
    unenforced: [],
  };
  const prlimit = await findSandboxTool('prlimit', options.toolDirs);
  const noPrlimit = 'prlimit (util-linux) is not installed under /usr; install util-linux';

  // Who the sandbox runs as. Dropping root also keeps a sandbox escape from being root.
  if (process.getuid?.() === 0 && (options.uidBase ?? 0) > 0) {
    const uids = await sandboxUids(options, bwrap);
    if ('reason' in uids) {
      plan.unenforced.push({
        variable: 'SANDBOX_UID_BASE',
        reason: `sandboxes run as root: ${uids.reason}`,
      });
    } else {
      plan.uids = uids.uids;
      plan.setpriv = uids.setpriv;
    }
  }

  const cgroupDetection =
    options.cgroups === false
      ? ({ ok: false, reason: 'cgroups not looked for' } as const)
      : await detectCgroups({
          want: { pids: limits.maxProcesses > 0, memory: limits.maxMemoryBytes > 0 },
        });
  const cgroups = cgroupDetection.ok ? cgroupDetection.cgroups : undefined;
  const noCgroup = cgroupDetection.ok ? '' : cgroupDetection.reason;
  if (cgroups && (cgroups.enforces.processes || cgroups.enforces.memory)) plan.cgroups = cgroups;

  if (limits.maxProcesses > 0) {
    const by: string[] = [];
    if (plan.cgroups?.enforces.processes) by.push('cgroup pids.max');
    let nprocReason = noPrlimit;
    if (prlimit) {
      const identity = plan.uids ? { uid: plan.uids.range.first, setpriv: plan.setpriv } : {};
      const probe = await probeProcessLimit(bwrap, identity);
      if (probe.ok) {
        plan.rlimits.nproc = limits.maxProcesses;
        by.push(plan.uids ? 'RLIMIT_NPROC, a uid per sandbox' : 'RLIMIT_NPROC');
      } else nprocReason = probe.reason;
    }
    if (by.length)
      plan.enforced.SANDBOX_MAX_PROCESSES = `${limits.maxProcesses} (${by.join(', ')})`;
    else {
      plan.unenforced.push({
        variable: 'SANDBOX_MAX_PROCESSES',
        reason: `${nprocReason}; and no per-session cgroup: ${noCgroup}`,
      });
    }
  }

  if (limits.maxMemoryBytes > 0) {
    if (plan.cgroups?.enforces.memory) {
      plan.enforced.SANDBOX_MAX_MEMORY_BYTES = `${limits.maxMemoryBytes} (cgroup memory limit, the session's total)`;
    } else if (prlimit) {
      plan.rlimits.as = limits.maxMemoryBytes;
      plan.enforced.SANDBOX_MAX_MEMORY_BYTES = `${limits.maxMemoryBytes} (RLIMIT_AS, per process)`;
      plan.unenforced.push({
        variable: 'SANDBOX_MAX_MEMORY_BYTES',
        partial: true,
        reason:
          `holds per process only (RLIMIT_AS, address space), not for the session's total: ` +
          `no per-session cgroup: ${noCgroup}`,
      });
    } else {
      plan.unenforced.push({
        variable: 'SANDBOX_MAX_MEMORY_BYTES',
        reason: `no per-session cgroup (${noCgroup}) and ${noPrlimit}`,
      });
    }
  }

  if (limits.maxFileBytes > 0) {
    if (prlimit) {
      plan.rlimits.fsize = limits.maxFileBytes;
      plan.enforced.SANDBOX_MAX_FILE_BYTES = `${limits.maxFileBytes} (RLIMIT_FSIZE)`;
    } else plan.unenforced.push({ variable: 'SANDBOX_MAX_FILE_BYTES', reason: noPrlimit });
  }

  if (limits.maxDiskBytes > 0) {
    plan.enforced.SANDBOX_MAX_DISK_BYTES = `${limits.maxDiskBytes} (measured while the CLI runs)`;
  }
  if (plan.cgroups?.enforces.cpuShare) plan.enforced.cpu = 'an equal share per session (cgroup)';
  if (plan.uids) {
    const { first, last } = plan.uids.range;
    plan.enforced.user = `a uid per sandbox (${first}-${last})`;
  }
  return plan;
}

async function sandboxUids(
  options: PlanOptions,
  bwrap: string,
): Promise<{ uids: SandboxUids; setpriv: string } | { reason: string }> {
  const setpriv = await findSandboxTool('setpriv', options.toolDirs);
  if (!setpriv) return { reason: 'setpriv (util-linux) is not installed under /usr' };
  const uids = new SandboxUids({
    base: options.uidBase ?? 0,
    lockDir: options.runtimeDir ?? tmpdir(),
  });
  const probe = await probeProcessLimit(bwrap, { uid: uids.range.first, setpriv });
  // A probe that forked still proves the uid switch (its own failure names a wrong uid).
  if (!probe.ok && /could not run as uid|probe could not run/.test(probe.reason)) {
    return { reason: probe.reason };
  }
  return { uids, setpriv };
}

/** Limits when the CLI runs unsandboxed: none applies, each configured one is reported. */
export function unsandboxedLimits(limits: SandboxLimits, why: string): UnenforcedLimit[] {
  return (Object.keys(LIMIT_VARIABLES) as Array<keyof SandboxLimits>)
    .filter((key) => (limits[key] ?? 0) > 0)
    .map((key) => ({ variable: LIMIT_VARIABLES[key], reason: why }));
}

/** The in-sandbox command prefix that applies `rlimits`; empty when there is none. */
export function prlimitPrefix(rlimits: RlimitPlan): string[] {
  const args = [
    rlimits.nproc > 0 ? `--nproc=${rlimits.nproc}` : '',
    rlimits.fsize > 0 ? `--fsize=${rlimits.fsize}` : '',
    rlimits.as > 0 ? `--as=${rlimits.as}` : '',
  ].filter(Boolean);
  return args.length ? ['prlimit', ...args, '--'] : [];
}

/** "2 GiB", "280.03 MiB", "1000 bytes": a size as a person reads it. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size) return `${+(bytes / size).toFixed(2)} ${unit}`;
  }
  return `${bytes} bytes`;
}
