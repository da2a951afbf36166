/**
 * Parser benchmark. Throughput: recorded real-CLI output repeated to ~64 MiB, fed in 64 KiB
 * chunks, against a `split('\n')` + `JSON.parse` baseline measured in the same run. Memory:
 * 1 GiB of CLI output through a real child's stdout pipe into parseJsonl with a slow consumer,
 * in a separate process (bench/parser-memory.ts) so its RSS baseline is clean.
 * Alone: node -r @swc-node/register -e "require('./bench/parser.bench.ts').run().then(r=>console.table(r.rows))"
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { concatFixtures, fixtureSets, repeatTo } from './parser-corpus';
import type { MemoryResult } from './parser-memory';
import { measure, CHUNK_BYTES } from './parser-throughput';
import type { BenchReport } from './report';

const CORPUS_BYTES = 64 * 2 ** 20;
const RUNS = 5;
const MEMORY = { totalBytes: 2 ** 30, pauseEvery: 1000, pauseMs: 10 };
const MEMORY_BAR_MB = 100;

const MB = 1e6;
const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

async function throughputRows(): Promise<BenchReport['rows']> {
  const rows: BenchReport['rows'] = [];
  for (const set of fixtureSets()) {
    const corpus = repeatTo(concatFixtures(set.files), CORPUS_BYTES);
    const results = await measure(corpus, RUNS);
    const baseline = results[0];
    for (const r of results) {
      rows.push({
        part: 'throughput',
        corpus: set.name,
        case: r.variant,
        MB: round(corpus.length / MB),
        'MB/s': round(corpus.length / MB / r.seconds),
        'msgs/s': round(r.messages / r.seconds),
        'vs baseline': `${(baseline.seconds / r.seconds).toFixed(2)}x`,
      });
    }
  }
  return rows;
}

async function runMemoryChild(): Promise<MemoryResult> {
  const script = join(__dirname, 'parser-memory.ts');
  const args = [MEMORY.totalBytes, MEMORY.pauseEvery, MEMORY.pauseMs].map(String);
  const child = spawn(
    process.execPath,
    ['--expose-gc', '-r', '@swc-node/register', script, ...args],
    {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`parser-memory.ts exited ${code}`);
  return JSON.parse(out.trim().split('\n').pop() ?? '') as MemoryResult;
}

function memoryRow(m: MemoryResult): BenchReport['rows'][number] {
  const MiB = 2 ** 20;
  return {
    part: 'memory (child stdout pipe, slow consumer)',
    corpus: 'stdout captures',
    case: `parseJsonl, sleep ${MEMORY.pauseMs} ms every ${MEMORY.pauseEvery} msgs`,
    MB: round(m.totalBytes / MB),
    'MB/s': round(m.totalBytes / MB / m.seconds),
    'msgs/s': round(m.messages / m.seconds),
    'RSS before MiB': round(m.rssBaselineBytes / MiB, 1),
    'RSS peak MiB': round(m.rssPeakBytes / MiB, 1),
    'peak - before MiB': round((m.rssPeakBytes - m.rssBaselineBytes) / MiB, 1),
    'producer waiting': `${(m.producerWaitShare * 100).toFixed(1)}%`,
  };
}

export async function run(): Promise<BenchReport> {
  const rows = await throughputRows();
  const memory = await runMemoryChild();
  rows.push(memoryRow(memory));
  const growthMB = (memory.rssPeakBytes - memory.rssBaselineBytes) / 2 ** 20;
  return {
    name: 'parser: parseJsonl vs split + JSON.parse; RSS under a slow consumer',
    rows,
    notes: [
      `throughput: median of ${RUNS} runs after a warm-up, ${CHUNK_BYTES / 1024} KiB chunks; parseJsonl also validates every known message type`,
      `memory: ${memory.messages} messages, ${memory.parseErrors} parse errors, ${memory.pauses} consumer pauses, ${memory.samples} RSS samples over ${memory.seconds.toFixed(1)} s`,
      `memory bar (< ${MEMORY_BAR_MB} MiB above baseline): ${growthMB < MEMORY_BAR_MB ? 'met' : 'MISSED'} (${growthMB.toFixed(1)} MiB)`,
    ],
  };
}
