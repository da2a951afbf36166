/**
 * Checkpoint and restore-to-file figures for one real transcript on one backend, each next to
 * the whole-file baseline measured just before or after it on the same store.
 */
import { compress, decompress } from '@mongodb-js/zstd';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ObjectCheckpointStore, type CreatedCheckpoint, type ObjectStore } from '@app/checkpoint';
import { meta } from '../libs/checkpoint/src/spec/fixtures';
import type { CliTranscript } from './checkpoint-cli-transcripts';
import { clock, latencyRows, round, row, samples, type Row } from './checkpoint-cli-timing';

export interface Backend {
  name: string;
  objects: ObjectStore;
  /** Scratch space for restored files. */
  dir: string;
}

export interface Runs {
  checkpoints: number;
  restores: number;
}

export interface StoredSession {
  /** The worker's restore: read() the manifest, restoreTranscript() to `path`. */
  restore(path: string): Promise<void>;
}

const SESSION = 's';

/** Whole-file baseline: one zstd object per checkpoint, no chunks, no manifest. */
const whole = {
  async put(objects: ObjectStore, key: string, bytes: Buffer): Promise<number> {
    const compressed = await compress(bytes, 3);
    await objects.put(key, compressed);
    return compressed.length;
  },
  /** GET, unzstd, then the same temp file + fsync + rename the checkpoint store does. */
  async restore(objects: ObjectStore, key: string, target: string): Promise<void> {
    const data = await decompress((await objects.get(key)) as Buffer);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp`;
    const handle = await open(tmp, 'w');
    await handle.write(data);
    await handle.sync();
    await handle.close();
    await rename(tmp, target);
  },
};

export async function storageRows(
  backend: Backend,
  t: CliTranscript,
  size: string,
  key: string,
  runs: Runs,
): Promise<{ rows: Row[]; session: StoredSession }> {
  const store = new ObjectCheckpointStore(backend.objects);
  const input = (tenant: string, transcript: Buffer, turn: number) => ({
    tenant,
    sessionId: SESSION,
    transcript,
    transcriptFileName: `${t.sessionId}.jsonl`,
    meta: meta(turn, t.sessionId),
  });
  const turns = t.meta.turns;
  const turnBytes = t.final.length - t.previous.length;

  // Fresh tenants: nothing to deduplicate against, so each run stores everything. Run 0 also
  // warms connections and the JIT and is left out of the times.
  const firsts: CreatedCheckpoint[] = [];
  const full = await samples(runs.checkpoints + 1, (i) =>
    clock(async () => firsts.push(await store.create(input(`${key}-full-${i}`, t.final, turns)))),
  );
  let wholeSize = 0;
  const wholePut = await samples(runs.checkpoints + 1, (i) =>
    clock(
      async () => (wholeSize = await whole.put(backend.objects, `bench/${key}/w${i}`, t.final)),
    ),
  );
  [full, wholePut].forEach((times) => times.shift());

  // After turn N-1 a checkpoint exists; turn N is checkpointed with it as `previous`.
  const incs: CreatedCheckpoint[] = [];
  const inc = await samples(runs.checkpoints, async (i) => {
    const tenant = `${key}-inc-${i}`;
    const before = await store.create(input(tenant, t.previous, turns - 1));
    return clock(async () =>
      incs.push(
        await store.create({ ...input(tenant, t.final, turns), previous: before.manifest }),
      ),
    );
  });

  const latest = { tenant: `${key}-inc-0`, id: incs[0].checkpointId };
  const session: StoredSession = {
    async restore(path) {
      const manifest = await store.read(latest.tenant, latest.id);
      await store.restoreTranscript(latest.tenant, manifest, path);
    },
  };
  const target = (i: number) =>
    join(backend.dir, `${key}-r${i}`, 'projects', 'p', `${t.sessionId}.jsonl`);
  const cleanUp = (i: number) =>
    rm(join(backend.dir, `${key}-r${i}`), { recursive: true, force: true });
  const restore = await samples(runs.restores, async (i) => {
    const ms = await clock(() => session.restore(target(i)));
    await cleanUp(i);
    return ms;
  });
  const wholeKey = `bench/${key}/w0`;
  const wholeRestore = await samples(runs.restores, async (i) => {
    const ms = await clock(() => whole.restore(backend.objects, wholeKey, target(i)));
    await cleanUp(i);
    return ms;
  });

  const b = backend.name;
  const first = firsts[0];
  const next = incs[0];
  const chunks = chunkCount(next);
  return {
    session,
    rows: [
      row(
        b,
        size,
        'stored / original, first checkpoint',
        round((100 * first.storedBytes) / first.bytes),
        round((100 * wholeSize) / t.final.length),
        '%',
      ),
      row(
        b,
        size,
        'last turn: new bytes (uncompressed) / turn bytes',
        round(next.newBytes / turnBytes, 2),
        round(t.final.length / turnBytes, 1),
        'x',
      ),
      row(
        b,
        size,
        'last turn: stored bytes (compressed) / turn bytes',
        round(next.storedBytes / turnBytes, 2),
        round(wholeSize / turnBytes, 2),
        'x',
      ),
      ...latencyRows(b, size, 'checkpoint after the last turn (previous given)', inc, wholePut),
      ...latencyRows(b, size, 'first (full) checkpoint', full, wholePut),
      ...latencyRows(b, size, 'restore to file, no CLI', restore, wholeRestore),
      row(b, size, 'chunks the restore fetches (vs objects)', chunks, 1, 'count'),
    ],
  };
}

function chunkCount(created: CreatedCheckpoint): number {
  const t = created.manifest.transcript;
  return (t?.chunks.length ?? 0) + (t?.pages.reduce((n, p) => n + p.chunks, 0) ?? 0);
}
