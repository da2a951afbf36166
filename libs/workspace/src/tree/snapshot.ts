import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type ChunkingOptions,
  type ContentStore,
  TRANSCRIPT_CHUNKING,
  type WorkspaceSnapshot,
} from '@app/checkpoint';
import { admitWithinLimits } from './admit';
import { buildTrees } from './build-trees';
import { captureFiles } from './capture-files';
import { WorkspaceRootInvalid } from './errors';
import { excludeMatcher } from './excludes';
import { SkipReport, type SkippedEntry } from './skip-report';
import { cacheScope, type StatCache } from './stat-cache';
import { codeOf, walkWorkspace } from './walk';

export interface SnapshotOptions {
  /** Total file bytes captured; files beyond it are left out (reported). */
  maxBytes: number;
  /** Files and symlinks captured; entries beyond it are left out (reported). */
  maxFiles: number;
  /** Globs relative to the root, read like .gitignore lines (see excludeMatcher). */
  excludes?: string[];
  /** Reuses a file's entry when its stat stamp is unchanged: no read, no hash, no put. */
  cache?: StatCache;
  /** Copied into snapshot.seed. */
  seed?: string;
  /** Files smaller than this are one blob, larger ones content-defined chunks. Default 1 MiB. */
  smallFileBytes?: number;
  /** How large files are chunked. Default TRANSCRIPT_CHUNKING (64 KiB..1 MiB, avg 256 KiB). */
  chunking?: ChunkingOptions;
  /** Filesystem calls and puts in flight. Default 16. */
  concurrency?: number;
}

export interface SnapshotResult {
  snapshot: WorkspaceSnapshot;
  /** What this snapshot added to the store: compressed bytes, and the same objects uncompressed. */
  storedBytes: number;
  newBytes: number;
  skipped: SkippedEntry[];
  stats: { files: number; dirs: number; symlinks: number; hashed: number; reused: number };
}

const DEFAULTS = { smallFileBytes: 1024 * 1024, concurrency: 16 };

/**
 * Stores the directory `root` as workspace trees (one blob per directory, see
 * @app/checkpoint's tree.ts). Only files that changed since the cached snapshot are read, and
 * only the trees on their paths are new blobs: an unchanged directory has the same tree hash.
 */
export async function snapshotWorkspace(
  content: ContentStore,
  root: string,
  options: SnapshotOptions,
): Promise<SnapshotResult> {
  const startedAt = Date.now();
  const rootPath = resolve(root);
  await assertDirectory(rootPath);
  const concurrency = options.concurrency ?? DEFAULTS.concurrency;
  const skipped = new SkipReport();
  const exclude = excludeMatcher(options.excludes ?? []);
  const top = await walkWorkspace(rootPath, { exclude, concurrency, skipped });
  if (top.unreadable) throw new WorkspaceRootInvalid(rootPath, 'it cannot be listed');
  admitWithinLimits(top, options, skipped);

  const scope = cacheScope(content.tenant, rootPath);
  const files = await captureFiles(
    {
      content,
      root: rootPath,
      concurrency,
      cache: options.cache,
      scope,
      skipped,
      smallFileBytes: options.smallFileBytes ?? DEFAULTS.smallFileBytes,
      chunking: options.chunking ?? TRANSCRIPT_CHUNKING,
    },
    top,
  );
  const trees = buildTrees(top, files.built);
  const newTrees = [...trees.blobs].filter(([hash]) => !options.cache?.hasTree(scope, hash));
  const puts = await content.putBlobs(newTrees.map(([, blob]) => blob));
  options.cache?.replace(scope, files.known, trees.blobs.keys(), startedAt);

  const sizes = [...files.built.values()].map((f) => f.size);
  return {
    snapshot: {
      tree: trees.root,
      files: files.built.size,
      bytes: sizes.reduce((a, b) => a + b, 0),
      ...(options.seed !== undefined && { seed: options.seed }),
    },
    storedBytes: files.storedBytes + puts.reduce((a, p) => a + p.storedBytes, 0),
    newBytes: files.newBytes + puts.reduce((a, p) => a + (p.isNew ? p.size : 0), 0),
    skipped: skipped.list(),
    stats: {
      files: files.built.size,
      dirs: trees.dirs,
      symlinks: trees.symlinks,
      hashed: files.hashed,
      reused: files.reused,
    },
  };
}

async function assertDirectory(path: string): Promise<void> {
  const info = await stat(path).catch((err: unknown) => {
    throw new WorkspaceRootInvalid(path, codeOf(err));
  });
  if (!info.isDirectory()) throw new WorkspaceRootInvalid(path, 'not a directory');
}
