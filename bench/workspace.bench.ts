/**
 * `npm run bench -- workspace`: workspace checkpoints (1,000 files / ~50 MB of real sources,
 * one file changed per turn) on the filesystem store and on S3 (s3rver), restore on a fresh
 * worker, and CLI start with and without the sandbox in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BwrapLauncher, createSandboxLauncher, PlainLauncher, probeBwrap } from '@app/claude';
import { FsObjectStore, S3ObjectStore } from '@app/checkpoint';
import { startTestS3 } from '@app/testing/services';
import type { BenchReport } from './report';
import {
  measureCheckpoints,
  type ChangeSpec,
  type CheckpointFigures,
} from './workspace-checkpoint';
import { buildCorpus } from './workspace-corpus';
import { measureCliStarts } from './workspace-sandbox';

const kib = (n: number) => Math.round(n / 102.4) / 10;

/** Which files a turn edits: small sources, and medium ones (a typical module). */
const CHANGES: Array<[string, ChangeSpec]> = [
  ['2-8 KB file', { minBytes: 2_000, maxBytes: 8_000 }],
  ['30-120 KB file', { minBytes: 30_000, maxBytes: 120_000 }],
];
const ms = (n: number) => Math.round(n * 10) / 10;

export async function run(): Promise<BenchReport> {
  const scratch = mkdtempSync(join(tmpdir(), 'wsb-'));
  const rows: BenchReport['rows'] = [];
  const notes: string[] = [];
  try {
    const root = join(scratch, 'ws');
    const corpus = buildCorpus(resolve(__dirname, '../node_modules'), root);
    notes.push(
      `workspace: ${corpus.files.length} files, ${(corpus.bytes / 2 ** 20).toFixed(1)} MiB copied from node_modules`,
    );
    for (const [label, change] of CHANGES) {
      const store = new FsObjectStore(join(scratch, `store-${label}`));
      rows.push(
        checkpointRow(
          `filesystem, ${label}`,
          await measureCheckpoints(store, root, corpus, change),
        ),
      );
    }
    const s3 = await startTestS3({ label: 'wsbench' });
    try {
      const store = new S3ObjectStore(s3.clientConfig(), s3.bucket, {
        conditionalWrites: s3.source === 'local' ? 'head-then-put' : 'if-none-match',
      });
      const [label, change] = CHANGES[1];
      rows.push(
        checkpointRow(
          `s3rver, ${label}`,
          await measureCheckpoints(store, root, corpus, change, 10, 3),
        ),
      );
    } finally {
      await s3.close();
    }
    rows.push(...(await startRows(notes)));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  notes.push(
    'one-file ms: snapshot after a turn that appended a line to one ordinary .js file (cache: size+mtime+ctime); baseline in the same run: the same tree rescanned with no cache (every file read and hashed). stored/changed: newly stored compressed bytes (the file and the tree blobs on its path) over that file’s zstd size.',
    'restore: the whole tree into an empty directory with a cold cache (a fresh worker), every blob verified; baseline in the same run: `cp -r` of the tree on the same disk.',
  );
  return { name: 'workspace', rows, notes };
}

function checkpointRow(store: string, f: CheckpointFigures): Record<string, string | number> {
  return {
    case: `checkpoint (${store})`,
    'first full ms': ms(f.firstMs),
    'first stored KiB': kib(f.firstStored),
    'no-cache rescan ms': ms(f.noCacheMs),
    'one-file p50 ms': ms(f.incremental.p50),
    'one-file p99 ms': ms(f.incremental.p99),
    'stored/change KiB': kib(f.storedPerChange),
    'changed file zstd KiB': kib(f.changedCompressed),
    'stored/changed p50': Math.round(f.storedRatio.p50 * 100) / 100,
    'stored/changed max': Math.round(f.storedRatio.max * 100) / 100,
    'restore p50 ms': ms(f.restore.p50),
    'restore p99 ms': ms(f.restore.p99),
    'cp -r ms (baseline)': ms(f.copyMs),
    'restore/cp p50': Math.round((f.restore.p50 / f.copyMs) * 100) / 100,
  };
}

async function startRows(notes: string[]): Promise<BenchReport['rows']> {
  const probe = await probeBwrap();
  if (!probe.ok) notes.push(`bubblewrap unavailable, sandbox rows skipped: ${probe.reason}`);
  const log = { info: () => undefined, warn: () => undefined };
  const figures = await measureCliStarts(async (apiBaseUrl) => [
    { name: 'plain', launcher: new PlainLauncher() },
    ...(probe.ok
      ? [
          { name: 'bwrap (host net)', launcher: new BwrapLauncher({ network: 'host' }) },
          {
            name: 'bwrap (proxy net)',
            launcher: await createSandboxLauncher({ network: 'proxy', apiBaseUrl, log }),
          },
        ]
      : []),
  ]);
  const plain = figures[0].start.p50;
  return figures.map((f) => ({
    case: `CLI start to init: ${f.name}`,
    'p50 ms': ms(f.start.p50),
    'p99 ms': ms(f.start.p99),
    'ratio to plain (p50)': Math.round((f.start.p50 / plain) * 100) / 100,
    'sandbox RSS MiB': Math.round(f.overheadMiB * 10) / 10,
    'CLI RSS MiB': Math.round(f.cliMiB),
  }));
}
