import type { Stats } from 'node:fs';
import type { FileContent } from './tree-blob';

/** The stat fields that identify one version of a file; if any differs, the file is read again. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  /** Catches writers that put an old mtime back (`cp -p`, `touch -r`) on a same-size file. */
  ctimeMs: number;
  ino: number;
  /** Full st_mode: a file replaced by another type never matches. */
  mode: number;
}

export function stampOf(stats: Stats): FileStamp {
  const { size, mtimeMs, ctimeMs, ino, mode } = stats;
  return { size, mtimeMs, ctimeMs, ino, mode };
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return (
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs &&
    a.ino === b.ino &&
    a.mode === b.mode
  );
}

export interface KnownFile {
  stamp: FileStamp;
  content: FileContent;
}

interface CachedFile extends KnownFile {
  /** Written too close to when it was read to trust its mtime (see racyWindowMs). */
  racy: boolean;
}

interface RootState {
  files: Map<string, CachedFile>;
  /** Tree blobs known to be in the store: an unchanged directory's tree is not put again. */
  trees: Set<string>;
}

export interface StatCacheOptions {
  /**
   * A file whose mtime is within this window of the snapshot is "racily clean" (git's term):
   * the kernel stamps mtimes from a coarse clock (a few ms), so a same-size write right after
   * we read it can keep the mtime we recorded. Such files are hashed again next time (and not
   * stored again if unchanged). Default 1 s.
   */
  racyWindowMs?: number;
}

/**
 * What a session's previous snapshot (or restore) found: per file its stat stamp and where its
 * bytes are in the store. A file whose stamp is unchanged is neither read, hashed nor stored.
 * In memory, per session; it belongs to one tenant's store (entries name blobs already there).
 */
export class StatCache {
  private readonly roots = new Map<string, RootState>();
  readonly racyWindowMs: number;

  constructor(options: StatCacheOptions = {}) {
    this.racyWindowMs = options.racyWindowMs ?? 1000;
  }

  /** `reuse` when the stamp matches a trusted entry; else the last known content, if any. */
  lookup(
    scope: string,
    rel: string,
    stamp: FileStamp,
  ): { reuse?: FileContent; previous?: FileContent } {
    const cached = this.roots.get(scope)?.files.get(rel);
    if (!cached) return {};
    if (!cached.racy && sameStamp(cached.stamp, stamp)) return { reuse: cached.content };
    return { previous: cached.content };
  }

  hasTree(scope: string, hash: string): boolean {
    return this.roots.get(scope)?.trees.has(hash) ?? false;
  }

  /**
   * Replaces everything known under `scope` with what a snapshot or restore that started at
   * `startedAt` (epoch ms) found: files that were not seen are forgotten.
   */
  replace(
    scope: string,
    files: ReadonlyMap<string, KnownFile>,
    trees: Iterable<string>,
    startedAt: number,
  ): void {
    const racySince = startedAt - this.racyWindowMs;
    const entries = new Map<string, CachedFile>();
    for (const [rel, known] of files) {
      entries.set(rel, { ...known, racy: known.stamp.mtimeMs > racySince });
    }
    this.roots.set(scope, { files: entries, trees: new Set(trees) });
  }

  clear(): void {
    this.roots.clear();
  }
}

/** Cache entries belong to one tenant's store and one directory. */
export function cacheScope(tenant: string, root: string): string {
  return `${tenant}\0${root}`;
}
