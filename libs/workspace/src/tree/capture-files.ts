import { join } from 'node:path';
import { type ContentStore, mapBounded } from '@app/checkpoint';
import type { BuiltFile } from './build-trees';
import type { SkipReport } from './skip-report';
import { type KnownFile, type StatCache, stampOf } from './stat-cache';
import { type FileStoreOptions, type PutMemo, storeFile } from './store-file';
import type { WalkedDir, WalkedFile } from './walk';

export interface CaptureContext extends FileStoreOptions {
  content: ContentStore;
  root: string;
  concurrency: number;
  cache?: StatCache;
  scope: string;
  skipped: SkipReport;
}

export interface CapturedFiles {
  built: Map<string, BuiltFile>;
  /** What the cache should remember: files whose stamp matches the bytes stored. */
  known: Map<string, KnownFile>;
  hashed: number;
  reused: number;
  storedBytes: number;
  newBytes: number;
}

/**
 * Large files are held in memory whole while they are chunked, so only this many at a time;
 * small ones run `concurrency` at a time beside them.
 */
const LARGE_FILES_AT_ONCE = 2;

/** Stores every admitted file, or reuses its cached entry when its stamp is unchanged. */
export async function captureFiles(ctx: CaptureContext, top: WalkedDir): Promise<CapturedFiles> {
  const out: CapturedFiles = {
    built: new Map(),
    known: new Map(),
    hashed: 0,
    reused: 0,
    storedBytes: 0,
    newBytes: 0,
  };
  const files = filesOf(top);
  const memo: PutMemo = new Map();
  const capture = (file: WalkedFile): Promise<void> => captureOne(ctx, file, memo, out);
  const small = files.filter((f) => f.stats.size < ctx.smallFileBytes);
  const large = files.filter((f) => f.stats.size >= ctx.smallFileBytes);
  // Settle both lanes before throwing, so no put is still running when the caller sees the error.
  const lanes = await Promise.allSettled([
    mapBounded(small, ctx.concurrency, capture),
    mapBounded(large, LARGE_FILES_AT_ONCE, capture),
  ]);
  for (const lane of lanes) if (lane.status === 'rejected') throw lane.reason;
  return out;
}

async function captureOne(
  ctx: CaptureContext,
  file: WalkedFile,
  memo: PutMemo,
  out: CapturedFiles,
): Promise<void> {
  const stamp = stampOf(file.stats);
  const { reuse, previous } = ctx.cache?.lookup(ctx.scope, file.rel, stamp) ?? {};
  if (reuse) {
    out.reused++;
    out.built.set(file.rel, { content: reuse, size: stamp.size, mode: stamp.mode & 0o7777 });
    out.known.set(file.rel, { stamp, content: reuse });
    return;
  }
  const stored = await storeFile(ctx.content, join(ctx.root, file.rel), previous, ctx, memo);
  if (!stored.stored) {
    ctx.skipped.add(file.rel, 'unreadable', stored.detail);
    return;
  }
  out.hashed++;
  out.storedBytes += stored.storedBytes;
  out.newBytes += stored.newBytes;
  out.built.set(file.rel, { content: stored.content, size: stored.size, mode: stored.mode });
  if (stored.stamp) out.known.set(file.rel, { stamp: stored.stamp, content: stored.content });
}

function filesOf(dir: WalkedDir, into: WalkedFile[] = []): WalkedFile[] {
  for (const node of dir.children) {
    if (node.kind === 'file') into.push(node);
    else if (node.kind === 'dir') filesOf(node, into);
  }
  return into;
}
