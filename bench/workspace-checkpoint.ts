/**
 * Workspace checkpoint and restore figures: a 1,000-file / ~50 MB tree, a first full snapshot,
 * then snapshots after turns that each change one ordinary source file, and restores of the
 * latest tree into an empty directory with a cold cache (a fresh worker).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compress } from '@mongodb-js/zstd';
import { ContentStore, type ObjectStore } from '@app/checkpoint';
import { restoreWorkspace, snapshotWorkspace, StatCache } from '@app/workspace';
import { nowMs, summarizeLatency } from './latency';
import type { Corpus } from './workspace-corpus';

export interface CheckpointFigures {
  firstMs: number;
  firstStored: number;
  /** Baseline: the same snapshot with no (size, mtime) cache, reading and hashing every file. */
  noCacheMs: number;
  incremental: ReturnType<typeof summarizeLatency>;
  /** Newly stored bytes per one-file checkpoint, over the changed file's compressed size. */
  storedRatio: { p50: number; max: number };
  changedCompressed: number;
  storedPerChange: number;
  restore: ReturnType<typeof summarizeLatency>;
  /** Baseline: `cp -r` of the same tree on the same disk, median. */
  copyMs: number;
}

const LIMITS = { maxBytes: 1024 ** 3, maxFiles: 100_000 };

export interface ChangeSpec {
  /** Size range of the ordinary source files edited, one per turn. */
  minBytes: number;
  maxBytes: number;
}

export async function measureCheckpoints(
  objects: ObjectStore,
  root: string,
  corpus: Corpus,
  change: ChangeSpec,
  changes = 20,
  restores = 7,
): Promise<CheckpointFigures> {
  const content = new ContentStore(objects, 'bench');
  const cache = new StatCache();
  let started = nowMs();
  const first = await snapshotWorkspace(content, root, { ...LIMITS, cache });
  const firstMs = nowMs() - started;

  const times: number[] = [];
  const ratios: number[] = [];
  const stored: number[] = [];
  const compressedSizes: number[] = [];
  let tree = first.snapshot.tree;
  // Ordinary sources (not the big bundles), a different one each turn.
  const small = corpus.files
    .filter((f) => f.endsWith('.js'))
    .filter((f) => {
      const size = statSync(join(root, f)).size;
      return size >= change.minBytes && size <= change.maxBytes;
    })
    .slice(0, changes);
  for (const [i, file] of small.entries()) {
    const path = join(root, file);
    appendFileSync(path, `\n// turn ${i}: edited by the benchmark\n`);
    const compressed = (await compress(readFileSync(path), 3)).length;
    started = nowMs();
    const next = await snapshotWorkspace(content, root, { ...LIMITS, cache });
    times.push(nowMs() - started);
    stored.push(next.storedBytes);
    compressedSizes.push(compressed);
    ratios.push(next.storedBytes / compressed);
    tree = next.snapshot.tree;
  }

  started = nowMs();
  await snapshotWorkspace(content, root, { ...LIMITS });
  const noCacheMs = nowMs() - started;

  const restoreTimes: number[] = [];
  for (let i = 0; i < restores; i++) {
    const target = join(mkdtempSync(join(tmpdir(), 'wsb-restore-')), 'ws');
    started = nowMs();
    await restoreWorkspace(new ContentStore(objects, 'bench'), tree, target, {
      cache: new StatCache(),
    });
    const ms = nowMs() - started;
    restoreTimes.push(ms);
    rmSync(join(target, '..'), { recursive: true, force: true });
  }
  const copies: number[] = [];
  for (let i = 0; i < 3; i++) {
    const target = mkdtempSync(join(tmpdir(), 'wsb-copy-'));
    started = nowMs();
    execFileSync('cp', ['-r', root, join(target, 'ws')]);
    copies.push(nowMs() - started);
    rmSync(target, { recursive: true, force: true });
  }
  const sortedRatios = [...ratios].sort((a, b) => a - b);
  return {
    firstMs,
    firstStored: first.storedBytes,
    noCacheMs,
    incremental: summarizeLatency(times),
    storedRatio: {
      p50: sortedRatios[Math.floor(sortedRatios.length / 2)],
      max: sortedRatios[sortedRatios.length - 1],
    },
    changedCompressed: median(compressedSizes),
    storedPerChange: median(stored),
    restore: summarizeLatency(restoreTimes),
    copyMs: median(copies),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
