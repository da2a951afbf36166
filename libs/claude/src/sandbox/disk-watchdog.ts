import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Each file or directory counts at least this much: a million empty files also fill a disk. */
export const MIN_ENTRY_BYTES = 4096;

/**
 * Bytes the files under `roots` occupy on disk (allocated blocks, so a sparse file counts what
 * it really uses), each entry at least MIN_ENTRY_BYTES. Never follows a link. Stops counting
 * once past `stopAbove`.
 */
export async function diskUsage(
  roots: readonly string[],
  stopAbove = Number.POSITIVE_INFINITY,
): Promise<number> {
  let total = 0;
  const pending = [...roots];
  while (pending.length && total <= stopAbove) {
    const batch = pending.splice(0, 64);
    await Promise.all(
      batch.map(async (path) => {
        const stat = await lstat(path).catch(() => undefined);
        if (!stat) return;
        total += Math.max(stat.blocks * 512, MIN_ENTRY_BYTES);
        if (!stat.isDirectory()) return;
        const names = await readdir(path).catch(() => [] as string[]);
        for (const name of names) pending.push(join(path, name));
      }),
    );
  }
  return total;
}

export interface DiskWatchdogOptions {
  roots: readonly string[];
  limitBytes: number;
  /** Pause between two measurements (default 1 s; at least ten times the last measurement's time). */
  intervalMs?: number;
  /** Called once, when the session's files exceed the limit. */
  onExceeded(usedBytes: number): void;
  /** Between measurements (e.g. cgroup counters to log). */
  onTick?(): void | Promise<void>;
}

/**
 * Measures a session's files while its CLI runs and reports once when they pass the limit.
 * The kernel has no per-directory byte quota without file-system support (project quotas), so
 * this samples: a session can overshoot by what it writes between two measurements.
 */
export class DiskWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private exceeded = false;
  /** Largest usage measured. */
  peakBytes = 0;

  constructor(private readonly options: DiskWatchdogOptions) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  get hasExceeded(): boolean {
    return this.exceeded;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const started = Date.now();
    const used = await diskUsage(this.options.roots, this.options.limitBytes).catch(() => 0);
    this.peakBytes = Math.max(this.peakBytes, used);
    if (this.stopped) return;
    if (used > this.options.limitBytes && !this.exceeded) {
      this.exceeded = true;
      this.options.onExceeded(used);
    }
    await Promise.resolve(this.options.onTick?.()).catch(() => undefined);
    // A large tree is measured less often: at most a tenth of the time goes into walking it.
    const interval = this.options.intervalMs ?? 1_000;
    this.schedule(Math.max(interval, 10 * (Date.now() - started)));
  }
}
