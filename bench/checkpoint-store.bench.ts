/**
 * Checkpoint store benchmark, on the S3 protocol (in-process s3rver, or S3_ENDPOINT / MinIO as
 * libs/testing picks) and on the filesystem. For synthetic transcripts grown from recorded
 * real-CLI lines (~10 kB, 1 MB, 20 MB): stored/original, bytes newly stored after one more turn
 * of 10-50 kB as a multiple of what the turn added, checkpoint and restore-to-file times. The
 * baseline, measured in the same run, is what a store without chunks would do: zstd the whole
 * file and PUT it; GET it, unzstd it, write it (same temp+fsync+rename).
 * Alone: node -r @swc-node/register bench/checkpoint-store.bench.ts
 */
import { startTestS3 } from '@app/testing/services';
import { compress, decompress } from '@mongodb-js/zstd';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../libs/checkpoint/src/object-store/fs-object-store';
import type { ObjectStore } from '../libs/checkpoint/src/object-store/object-store';
import type { CreatedCheckpoint } from '../libs/checkpoint/src/checkpoint/checkpoint-store';
import { ObjectCheckpointStore } from '../libs/checkpoint/src/checkpoint/object-checkpoint-store';
import {
  type ChunkingOptions,
  SMALL_TRANSCRIPT_CHUNKING,
} from '../libs/checkpoint/src/chunking/fastcdc';
import { meta } from '../libs/checkpoint/src/spec/fixtures';
import { s3StoreFor } from '../libs/checkpoint/src/spec/s3';
import { SyntheticTranscript } from '../libs/checkpoint/src/spec/synthetic-transcript';
import { strategyRows, throughputRows } from './checkpoint-store-strategies';
import { summarizeLatency } from './latency';
import type { BenchReport } from './report';

const SIZES = [
  { label: '10 kB', bytes: 10_000, full: 10, turns: 50, restores: 100 },
  { label: '1 MB', bytes: 1_000_000, full: 5, turns: 50, restores: 100 },
  { label: '20 MB', bytes: 20_000_000, full: 2, turns: 12, restores: 10 },
];
type Size = (typeof SIZES)[number];
type Row = BenchReport['rows'][number];

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

interface Backend {
  name: string;
  objects: ObjectStore;
  dir: string;
}

/** Whole-file baseline: one object per checkpoint. */
const baseline = {
  async checkpoint(objects: ObjectStore, bytes: Buffer): Promise<number> {
    const compressed = await compress(bytes, 3);
    await objects.put(`bench/whole/${randomBytes(8).toString('hex')}`, compressed);
    return compressed.length;
  },
  async restore(objects: ObjectStore, key: string, target: string): Promise<void> {
    const data = await decompress((await objects.get(key)) as Buffer);
    const tmp = `${target}.tmp`;
    const handle = await open(tmp, 'w');
    await handle.write(data);
    await handle.sync();
    await handle.close();
    await rename(tmp, target);
  },
};

function row(
  backend: string,
  size: string,
  metric: string,
  value: number,
  base: number | string,
  unit: string,
): Row {
  return { backend, size, metric, value, baseline: base, unit };
}

interface SizeCase extends Size {
  chunking?: ChunkingOptions;
  chunkingLabel?: string;
}

async function benchSize(backend: Backend, size: SizeCase, seed: number): Promise<Row[]> {
  const store = new ObjectCheckpointStore(backend.objects, { chunking: size.chunking });
  const session = new SyntheticTranscript(seed);
  const base = Buffer.from(session.growTo(size.bytes, 40_000));
  const label = `${size.label}${size.chunkingLabel ?? ''}`;
  const tenant = (i: number) => `bench-${seed}-${i}`;
  const full = await timed(size.full + 1, (i) =>
    store.create({ tenant: tenant(i), sessionId: 's', transcript: base, meta: meta() }),
  );
  const first = full.results[0];
  full.times.shift(); // the first one also warmed up connections and the JIT
  const whole = await timed(size.full, () => baseline.checkpoint(backend.objects, base));

  // Each sample: the base plus one new turn of 10-50 kB, checkpointed after the base.
  const turns = Array.from({ length: size.turns }, (_, i) =>
    session.appendTurn(10_000 + ((i * 7919) % 40_000)),
  );
  const added = turns.reduce((n, t) => n + t.length, 0);
  // The transcript is assembled before the clock starts: the worker reads it from disk.
  const inc = await timedWith(
    size.turns,
    (i) => Buffer.concat([base, turns[i]]),
    (transcript) =>
      store.create({
        tenant: tenant(0),
        sessionId: 's',
        transcript,
        meta: meta(2),
        previous: first.manifest,
      }),
  );
  const incWhole = await timedWith(
    size.turns,
    (i) => Buffer.concat([base, turns[i]]),
    (transcript) => baseline.checkpoint(backend.objects, transcript),
  );
  const sum = (f: (c: CreatedCheckpoint) => number) => inc.results.reduce((n, c) => n + f(c), 0);

  const latest = inc.results[inc.results.length - 1];
  const target = join(backend.dir, `restore-${seed}.jsonl`);
  const wholeKey = `bench/restore/${seed}`;
  await backend.objects.put(
    wholeKey,
    await compress(Buffer.concat([base, turns[turns.length - 1]]), 3),
  );
  const restore = await timed(size.restores, async () =>
    store.restoreTranscript(tenant(0), await store.read(tenant(0), latest.checkpointId), target),
  );
  const wholeRestore = await timed(size.restores, () =>
    baseline.restore(backend.objects, wholeKey, `${target}.whole`),
  );
  const wholeIncStored = incWhole.results.reduce((n, b) => n + b, 0);
  const chunks = chunkCount(latest);
  const b = backend.name;
  const [f, w, i, iw, r, rw] = [full, whole, inc, incWhole, restore, wholeRestore].map((t) =>
    summarizeLatency(t.times),
  );
  return [
    row(
      b,
      label,
      'stored / original, first checkpoint',
      round((100 * first.storedBytes) / first.bytes),
      round((100 * whole.results[0]) / base.length),
      '%',
    ),
    row(
      b,
      label,
      'new bytes (uncompressed) / turn bytes',
      round(sum((c) => c.newBytes) / added, 2),
      round((base.length + added / size.turns) / (added / size.turns), 1),
      'x',
    ),
    row(
      b,
      label,
      'stored bytes (compressed) / turn bytes',
      round(sum((c) => c.storedBytes) / added, 2),
      round(wholeIncStored / added, 2),
      'x',
    ),
    row(b, label, 'checkpoint after a turn p50', round(i.p50), round(iw.p50), 'ms'),
    row(b, label, 'checkpoint after a turn p99', round(i.p99), round(iw.p99), 'ms'),
    row(b, label, 'first (full) checkpoint p50', round(f.p50), round(w.p50), 'ms'),
    row(b, label, 'first (full) checkpoint p99', round(f.p99), round(w.p99), 'ms'),
    row(b, label, `restore to file p50 (${chunks} chunks)`, round(r.p50), round(rw.p50), 'ms'),
    row(b, label, `restore to file p99 (${chunks} chunks)`, round(r.p99), round(rw.p99), 'ms'),
  ];
}

/** Runs `fn` count times and times each run. */
function timed<T>(
  count: number,
  fn: (i: number) => Promise<T>,
): Promise<{ times: number[]; results: T[] }> {
  return timedWith(count, (i) => i, fn);
}

/** Like timed, but `prepare` (not timed) builds each run's input. */
async function timedWith<I, T>(
  count: number,
  prepare: (i: number) => I,
  fn: (input: I) => Promise<T>,
): Promise<{ times: number[]; results: T[] }> {
  const times: number[] = [];
  const results: T[] = [];
  for (let i = 0; i < count; i++) {
    const input = prepare(i);
    const started = performance.now();
    results.push(await fn(input));
    times.push(performance.now() - started);
  }
  return { times, results };
}

function chunkCount(created: CreatedCheckpoint): number {
  const t = created.manifest.transcript;
  return (t?.chunks.length ?? 0) + (t?.pages.reduce((n, p) => n + p.chunks, 0) ?? 0);
}

/** A 1 MB session checkpointed after every turn: one chunk per turn, restore still parallel. */
async function turnByTurn(backend: Backend): Promise<Row[]> {
  const store = new ObjectCheckpointStore(backend.objects);
  const session = new SyntheticTranscript(77);
  let created = await store.create({
    tenant: 'bench-turns',
    sessionId: 's',
    transcript: session.growTo(30_000),
    meta: meta(1),
  });
  let added = 0;
  let newBytes = 0;
  for (let turn = 2; session.size < 1e6; turn++) {
    added += session.appendTurn(30_000).length;
    created = await store.create({
      tenant: 'bench-turns',
      sessionId: 's',
      transcript: session.bytes(),
      meta: meta(turn),
      previous: created.manifest,
    });
    newBytes += created.newBytes;
  }
  const target = join(backend.dir, 'turns.jsonl');
  const restore = await timed(20, async () =>
    store.restoreTranscript(
      'bench-turns',
      await store.read('bench-turns', created.checkpointId),
      target,
    ),
  );
  const { p50, p99 } = summarizeLatency(restore.times);
  const label = `1 MB, checkpoint after each of ${created.manifest.turn} turns of 30 kB`;
  const b = backend.name;
  return [
    row(b, label, 'new bytes (uncompressed) / turn bytes', round(newBytes / added, 2), '', 'x'),
    row(b, label, `restore to file p50 (${chunkCount(created)} chunks)`, round(p50), '', 'ms'),
    row(b, label, `restore to file p99 (${chunkCount(created)} chunks)`, round(p99), '', 'ms'),
  ];
}

export async function run(): Promise<BenchReport> {
  const s3 = await startTestS3({ label: 'bench-checkpoint' });
  const dir = await mkdtemp(join(tmpdir(), 'bench-checkpoint-'));
  const backends: Backend[] = [
    { name: `S3 (${s3.source === 'local' ? 's3rver' : s3.source})`, objects: s3StoreFor(s3), dir },
    { name: 'filesystem', objects: new FsObjectStore(join(dir, 'store')), dir },
  ];
  try {
    const rows: Row[] = [];
    for (const backend of backends) {
      for (const [i, size] of SIZES.entries())
        rows.push(...(await benchSize(backend, size, 100 + i)));
      if (backend === backends[0]) {
        const small = {
          ...SIZES[2],
          chunkingLabel: ', 16/64/256 KiB chunks',
          chunking: SMALL_TRANSCRIPT_CHUNKING,
        };
        rows.push(...(await benchSize(backend, small, 200)));
      }
      rows.push(...(await turnByTurn(backend)));
    }
    return {
      name: 'checkpoint store',
      rows,
      notes: [
        ...strategyRows().map((r) => `chunking: ${JSON.stringify(r)}`),
        ...throughputRows().map((r) => `throughput: ${JSON.stringify(r)}`),
        'baseline: the whole transcript zstd-compressed (level 3) as one object per checkpoint; restore = GET + unzstd + temp/fsync/rename',
        'new bytes: uncompressed size of the objects a checkpoint created (chunks, pages, manifest); its baseline: transcript size / turn size',
        'checkpoint after a turn: the base transcript plus one new 10-50 kB turn, checkpointed with the base checkpoint as previous',
      ],
    };
  } finally {
    backends.forEach((b) => b.objects.close());
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const started = Date.now();
  run().then(
    (report) => {
      console.table(report.rows);
      report.notes?.forEach((n) => console.log(`- ${n}`));
      console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
