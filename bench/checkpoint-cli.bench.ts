/**
 * Checkpoints of REAL `claude` transcripts (issue 4): the installed CLI, driven offline against
 * the Messages API stub, writes sessions of ~10 kB, ~150 kB, ~1 MB and ~20 MB (cached under
 * bench/results/cli-transcripts/). For each, on the S3 protocol (s3rver, or what libs/testing
 * picks) and on the filesystem: stored/original, the bytes the last turn's checkpoint stored
 * per byte the turn added, checkpoint and restore-to-file times, and restore + `claude --resume`
 * to `system/init`. Baselines from the same run: whole-file zstd objects, and the CLI's start
 * with the transcript already in place.
 * Alone: node -r @swc-node/register bench/checkpoint-cli.bench.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '@app/checkpoint';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { startTestS3 } from '@app/testing/services';
import { s3StoreFor } from '../libs/checkpoint/src/spec/s3';
import { CASES } from './checkpoint-cli-cases';
import {
  assertResumes,
  initWaitsForInput,
  placeTranscript,
  timeToInit,
} from './checkpoint-cli-resume';
import { storageRows, type Backend, type StoredSession } from './checkpoint-cli-storage';
import { kB, latencyRows, round, row, type Row } from './checkpoint-cli-timing';
import { cliTranscript, cliVersion, type CliTranscript } from './checkpoint-cli-transcripts';
import { summarizeLatency } from './latency';
import type { BenchReport } from './report';

/** Repeats per figure; p99 of 10 samples is their maximum. */
const CHECKPOINT_RUNS = 10;
const CLI_RUNS = 10;
/** How long a resumed CLI is left without input to see whether it prints `init` anyway. */
const IDLE_MS = 2_000;
const restoreRuns = (bytes: number) => (bytes > 5e6 ? 10 : 20);

interface Generated {
  transcripts: CliTranscript[];
  notes: string[];
}

async function transcripts(stub: MessagesStub): Promise<Generated> {
  const version = cliVersion();
  const out: CliTranscript[] = [];
  const notes: string[] = [];
  for (const c of CASES) {
    const t = await cliTranscript(c, stub, version);
    out.push(t);
    const m = t.meta;
    notes.push(
      `transcript ${c.id} (${c.label}; flags ${c.flags.join(' ')}): ${m.finalBytes} B after ` +
        `${m.turns} turns, ${m.previousBytes} B after turn ${m.turns - 1} ` +
        `(${m.previousIsPrefix ? 'a prefix of the final one' : 'NOT a prefix'}); per turn: ` +
        `${m.sizesAfterTurn.join(', ')} B; generated in ${(m.generatedMs / 1000).toFixed(1)} s ` +
        `${t.cached ? `(cached, ${m.generatedAt})` : '(this run)'} with ${version}`,
    );
  }
  return { transcripts: out, notes };
}

function sizeLabel(t: CliTranscript): string {
  const bare = t.case.flags.includes('--bare') ? ', --bare' : '';
  const last = kB(t.final.length - t.previous.length);
  return `${kB(t.final.length)} (${t.meta.turns} turns${bare}; last +${last})`;
}

/**
 * Restore + `--resume` to init on each backend, interleaved with the CLI's start alone so that
 * load from other work on the machine hits both alike.
 */
async function cliRows(
  stub: MessagesStub,
  t: CliTranscript,
  size: string,
  sessions: Array<{ backend: string; session: StoredSession }>,
): Promise<Row[]> {
  await assertResumes(stub, t); // also warms the binary's pages
  const alone: number[] = [];
  const restored = sessions.map(() => [] as number[]);
  for (let run = 0; run < CLI_RUNS; run++) {
    alone.push(await timeToInit(stub, t, async () => undefined, placeTranscript(t)));
    for (const [i, s] of sessions.entries())
      restored[i].push(await timeToInit(stub, t, (path) => s.session.restore(path)));
  }
  const base = summarizeLatency(alone).p50;
  return sessions.flatMap((s, i) => [
    ...latencyRows(
      s.backend,
      size,
      'restore + CLI --resume to init (vs CLI alone)',
      restored[i],
      alone,
    ),
    row(
      s.backend,
      size,
      'restore + CLI start / CLI start alone, p50',
      round(summarizeLatency(restored[i]).p50 / base, 2),
      1,
      'x',
    ),
  ]);
}

export async function run(): Promise<BenchReport> {
  const stub = await startMessagesStub();
  const s3 = await startTestS3({ label: 'bench-cli' });
  const dir = await mkdtemp(join(os.tmpdir(), 'bench-cli-checkpoint-'));
  const s3Name = `S3 (${s3.source === 'local' ? 's3rver' : s3.source})`;
  const backends: Backend[] = [
    { name: s3Name, objects: s3StoreFor(s3), dir },
    { name: 'filesystem', objects: new FsObjectStore(join(dir, 'store')), dir },
  ];
  try {
    const generationStarted = performance.now();
    const generated = await transcripts(stub);
    const generationMs = performance.now() - generationStarted;
    const started = performance.now();
    const load = os.loadavg()[0];
    const idle = await initWaitsForInput(stub, generated.transcripts[0], IDLE_MS);
    const rows: Row[] = [];
    for (const [ci, t] of generated.transcripts.entries()) {
      const size = sizeLabel(t);
      const runs = { checkpoints: CHECKPOINT_RUNS, restores: restoreRuns(t.final.length) };
      const sessions: Array<{ backend: string; session: StoredSession }> = [];
      for (const [bi, backend] of backends.entries()) {
        const measured = await storageRows(backend, t, size, `c${ci}b${bi}`, runs);
        rows.push(...measured.rows);
        sessions.push({ backend: backend.name, session: measured.session });
      }
      rows.push(...(await cliRows(stub, t, size, sessions)));
    }
    const measuredS = (performance.now() - started) / 1000;
    return {
      name: 'checkpoint store, real claude CLI transcripts',
      rows: sortRows(rows, backends),
      notes: [
        ...generated.notes,
        `transcripts: ${(generationMs / 1000).toFixed(1)} s to load or generate in this run; measurements: ${measuredS.toFixed(1)} s on ${os.cpus().length} cores, load average ${load.toFixed(2)} at the start`,
        `backends: ${s3Name} and FsObjectStore under a temp dir, ObjectCheckpointStore with default chunking (64/256/1024 KiB)`,
        'stored / original: compressed bytes the first checkpoint of the final transcript wrote (chunks, pages, manifest); baseline: the whole file as one zstd-3 object',
        'last turn: a checkpoint of the transcript after turn N-1, then one of the final transcript with it as `previous` (as the worker passes it); new/stored bytes of that second checkpoint per byte the turn appended; baselines: uploading the whole file again (uncompressed, then zstd)',
        `checkpoint times: store.create() of bytes already read, ${CHECKPOINT_RUNS} runs, each in a fresh tenant so nothing deduplicates (the full ones after one warm-up run); baseline: zstd-3 + PUT of the whole file`,
        'restore to file, no CLI: read() of the manifest, restoreTranscript() to a new path (chunks fetched, verified, temp file, fsync, rename); baseline: GET + unzstd + temp file + fsync + rename',
        `restore + CLI: in a fresh sandbox (new CLAUDE_CONFIG_DIR, HOME and working directory), from read() of the manifest through restoreTranscript() to projects/<cwd slug>/<id>.jsonl, spawn of \`claude -p --input-format=stream-json --output-format=stream-json --verbose <case flags> --resume=<id>\` with the offline env, one user line written right after spawn, until the \`system/init\` line; then SIGKILL. ${CLI_RUNS} runs per backend, interleaved with the baseline: the same start with the transcript copied in beforehand (no restore)`,
        `init needs input: a resumed CLI left ${IDLE_MS / 1000} s without stdin printed ${idle.linesBeforeInput} lines; \`init\` came ${idle.initAfterInputMs.toFixed(0)} ms after the prompt was then written. So the prompt is written at spawn and the clock stops at init (printed once per turn in 2.1.331, after the prompt is read)`,
        'before the timed runs, one resume per transcript is run through to its result, and the request the stub got is checked to carry the restored history (its first prompt) and the new one',
        'p99 of 10 or 20 samples is (close to) their maximum',
      ],
    };
  } finally {
    backends.forEach((b) => b.objects.close());
    await s3.close();
    await stub.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Backend first, then size, as the table is read. */
function sortRows(rows: Row[], backends: Backend[]): Row[] {
  const order = backends.map((b) => b.name);
  return rows
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        order.indexOf(String(a.r.backend)) - order.indexOf(String(b.r.backend)) || a.i - b.i,
    )
    .map(({ r }) => r);
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
