import { chmod, lstat, mkdir, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { type ContentStore, mapBounded } from '@app/checkpoint';
import type { PlannedDir, PlannedFile, RestorePlan } from './restore-plan';
import { type KnownFile, stampOf } from './stat-cache';
import { writeStoredFile } from './write-file';

/**
 * setuid/setgid are dropped: the worker restores as its own user (root in many containers), so
 * a setuid file from a checkpoint would run with that user's rights for anyone who executes it,
 * and a session or a crafted checkpoint must not be able to plant one. Sticky is kept.
 */
export const RESTORABLE_MODE_BITS = 0o1777;

/** Large files hold one chunk window of memory each; see capture-files for the same limit. */
const LARGE_FILES_AT_ONCE = 2;

export interface MaterialiseOptions {
  concurrency: number;
  /** Every file's mtime (see restoreWorkspace for why it is in the past). */
  mtime: Date;
  /** Files at or above this size are written two at a time. */
  largeFileBytes: number;
}

/**
 * Writes the plan under `dir` (an empty directory nobody else uses): directories first (owner
 * rwx, so they can be filled), then files and links, then each directory's own mode, deepest
 * first so a read-only directory is closed only when its contents are in place. Returns each
 * file's stat stamp and content, for the stat cache.
 */
export async function materialise(
  content: ContentStore,
  plan: RestorePlan,
  dir: string,
  options: MaterialiseOptions,
): Promise<Map<string, KnownFile>> {
  const byDepth = groupByDepth(plan.dirs);
  for (const level of byDepth) {
    await mapBounded(level, options.concurrency, (d) => mkdir(join(dir, d.rel), { mode: 0o700 }));
  }
  const known = new Map<string, KnownFile>();
  const restore = async (file: PlannedFile): Promise<void> => {
    const path = join(dir, file.rel);
    await writeStoredFile(content, file, path);
    await chmod(path, file.mode & RESTORABLE_MODE_BITS);
    await utimes(path, options.mtime, options.mtime);
    known.set(file.rel, { stamp: stampOf(await lstat(path)), content: file.content });
  };
  const small = plan.files.filter((f) => f.size < options.largeFileBytes);
  const large = plan.files.filter((f) => f.size >= options.largeFileBytes);
  // Settle both lanes before throwing: the caller removes `dir`, nothing may still be writing.
  const lanes = await Promise.allSettled([
    mapBounded(small, options.concurrency, restore),
    mapBounded(large, LARGE_FILES_AT_ONCE, restore),
    mapBounded(plan.links, options.concurrency, (l) => symlink(l.target, join(dir, l.rel))),
  ]);
  for (const lane of lanes) if (lane.status === 'rejected') throw lane.reason;
  for (const level of byDepth.reverse()) {
    await mapBounded(level, options.concurrency, (d) =>
      chmod(join(dir, d.rel), d.mode & RESTORABLE_MODE_BITS),
    );
  }
  return known;
}

function groupByDepth(dirs: readonly PlannedDir[]): PlannedDir[][] {
  const levels: PlannedDir[][] = [];
  for (const d of dirs) (levels[d.depth - 1] ??= []).push(d);
  return levels.filter((level) => level !== undefined);
}
