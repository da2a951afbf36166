import type { LaunchSpec } from '../launcher';
import type { SandboxExtension } from './bwrap-launcher';
import type { CgroupUsage } from './cgroups';
import { DiskWatchdog } from './disk-watchdog';
import { formatBytes, prlimitPrefix, type LimitsPlan } from './resource-limits';

/** How the limits report what they stopped; a pino logger fits. */
export interface LimitsLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Runs on the host as the sandbox's first process, as `sh -c JOIN claude-cgroup <procs...> --
 * bwrap ...`: writes its own pid into each of the session's cgroups, then execs bwrap, so every
 * process of the sandbox is born inside them (no window in which a fork escapes the limits).
 */
export const CGROUP_JOIN_SCRIPT = `while [ "$1" != -- ]; do
  if ! echo $$ > "$1"; then echo "claude sandbox: cannot join the session cgroup ($1)" >&2; exit 71; fi
  shift
done
shift
exec "$@"`;

/**
 * The per-process part of the limits: the session's cgroup (joined before bwrap starts),
 * rlimits set inside, and a disk watchdog that stops the sandbox when the session's files pass
 * SANDBOX_MAX_DISK_BYTES. After exit, `limitReached` names the limit that ended the process.
 */
export function sessionLimits(
  plan: LimitsPlan,
  log: LimitsLog,
): (spec: LaunchSpec) => Promise<SandboxExtension> {
  const rlimits = prlimitPrefix(plan.rlimits);
  const { limits } = plan;
  return async (spec) => {
    const cgroup = plan.cgroups
      ? await plan.cgroups.create({
          maxProcesses: limits.maxProcesses,
          maxMemoryBytes: limits.maxMemoryBytes,
        })
      : undefined;
    const reported = { oomKills: 0, processLimitHits: 0 };
    let pid: number | undefined;
    let diskExceeded: number | undefined;
    const context = { workspace: spec.workspaceDir };

    // Each time the kernel stopped something, once per new count: the operator sees it even
    // when the CLI survives (the OOM killer took a tool's process; a fork was refused).
    const logUsage = async (): Promise<CgroupUsage | undefined> => {
      const usage = await cgroup?.usage();
      if (!usage) return undefined;
      if (usage.oomKills > reported.oomKills) {
        log.warn(
          { ...context, limit: 'SANDBOX_MAX_MEMORY_BYTES', oomKills: usage.oomKills },
          `sandbox reached SANDBOX_MAX_MEMORY_BYTES (${formatBytes(limits.maxMemoryBytes)}): the kernel's OOM killer stopped a process of the session`,
        );
      }
      if (usage.processLimitHits > reported.processLimitHits) {
        log.warn(
          { ...context, limit: 'SANDBOX_MAX_PROCESSES', refusedForks: usage.processLimitHits },
          `sandbox reached SANDBOX_MAX_PROCESSES (${limits.maxProcesses}): forks refused`,
        );
      }
      reported.oomKills = usage.oomKills;
      reported.processLimitHits = usage.processLimitHits;
      return usage;
    };

    const watchdog =
      plan.diskBytes > 0
        ? new DiskWatchdog({
            roots: [spec.workspaceDir, spec.configDir],
            limitBytes: plan.diskBytes,
            onExceeded: (used) => {
              diskExceeded = used;
              log.warn(
                { ...context, limit: 'SANDBOX_MAX_DISK_BYTES', usedBytes: used },
                `sandbox reached SANDBOX_MAX_DISK_BYTES (${formatBytes(plan.diskBytes)}): stopping the session's CLI`,
              );
              if (pid !== undefined) killGroup(pid);
            },
            onTick: async () => void (await logUsage()),
          })
        : undefined;

    return {
      prefix: cgroup
        ? ['/bin/sh', '-c', CGROUP_JOIN_SCRIPT, 'claude-cgroup', ...cgroup.procsFiles, '--']
        : [],
      innerPrefix: rlimits,
      started: (started) => {
        pid = started;
        watchdog?.start();
      },
      limitReached: async (exit) => {
        watchdog?.stop();
        const usage = await logUsage().catch(() => undefined);
        if (diskExceeded !== undefined) {
          return (
            `the session's files reached SANDBOX_MAX_DISK_BYTES (${formatBytes(plan.diskBytes)}; ` +
            `measured ${formatBytes(diskExceeded)}), so the worker stopped its CLI`
          );
        }
        const abnormal = exit.signal !== null || (exit.code ?? 0) !== 0;
        if (!abnormal || !usage) return undefined;
        if (usage.oomKills > 0) {
          return (
            `the session reached its memory limit, SANDBOX_MAX_MEMORY_BYTES ` +
            `(${formatBytes(limits.maxMemoryBytes)}): the kernel's OOM killer stopped ` +
            `${usage.oomKills} of its processes`
          );
        }
        if (usage.processLimitHits > 0) {
          return (
            `the session reached its process limit, SANDBOX_MAX_PROCESSES (${limits.maxProcesses}): ` +
            `the kernel refused ${usage.processLimitHits} forks`
          );
        }
        return undefined;
      },
      release: async () => {
        watchdog?.stop();
        await cgroup?.release();
      },
    };
  };
}

/** Ends the sandbox: its first process leads the group; bwrap's init takes the rest with it. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
