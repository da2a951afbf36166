import { chmod, lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ContentStore } from '@app/checkpoint';
import { WorkspaceRestoreRefused } from './errors';
import { materialise, RESTORABLE_MODE_BITS } from './materialise';
import { planRestore } from './restore-plan';
import { cacheScope, type KnownFile, type StatCache } from './stat-cache';
import { freshDirBeside, removeTree, swapInto } from './swap-dir';
import { checkSymlinks } from './symlink-policy';
import { TreeLoader } from './tree-loader';

export interface RestoreOptions {
  /** Primed with every restored file, so the next snapshot reads and hashes none of them. */
  cache?: StatCache;
  /** Refuse trees that expand to more entries than this. Default 1,000,000. */
  maxEntries?: number;
  /** Filesystem calls and store reads in flight. Default the store's concurrency. */
  concurrency?: number;
}

export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

const DEFAULT_MAX_ENTRIES = 1_000_000;
const LARGE_FILE_BYTES = 1024 * 1024;

/**
 * Makes `target` exactly the stored tree: loads and checks the whole tree first, writes it into
 * a new directory beside `target` (every blob verified), then swaps that into place. On any
 * failure (missing or corrupted object, refused entry) `target` is as it was and the temporary
 * directory is gone.
 *
 * Files get an mtime a second or more in the past: a write right after the restore then always
 * changes the mtime, even on a coarse-clock filesystem, which is what lets the primed cache
 * trust it.
 */
export async function restoreWorkspace(
  content: ContentStore,
  tree: string,
  target: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const startedAt = Date.now();
  const targetPath = resolve(target);
  const existing = await lstat(targetPath).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new WorkspaceRestoreRefused(targetPath, 'exists and is not a directory');
  }
  const plan = await planRestore(
    new TreeLoader(content),
    tree,
    options.maxEntries ?? DEFAULT_MAX_ENTRIES,
  );
  checkSymlinks(plan.links);

  const fresh = await freshDirBeside(targetPath, 'restore');
  const backdate = Math.max(1000, options.cache?.racyWindowMs ?? 0);
  let known: Map<string, KnownFile>;
  try {
    known = await materialise(content, plan, fresh, {
      concurrency: options.concurrency ?? content.concurrency,
      mtime: new Date(Math.floor(startedAt / 1000) * 1000 - backdate),
      largeFileBytes: LARGE_FILE_BYTES,
    });
    if (existing) await chmod(fresh, existing.mode & RESTORABLE_MODE_BITS);
    await swapInto(fresh, targetPath);
  } catch (err) {
    await removeTree(fresh);
    throw err;
  }
  options.cache?.replace(cacheScope(content.tenant, targetPath), known, plan.trees, startedAt);
  return {
    files: plan.files.length,
    dirs: plan.dirs.length,
    symlinks: plan.links.length,
    bytes: plan.bytes,
  };
}
