/**
 * `npm run bench -- spawn`: how long starting a process blocks the caller's event loop, from a
 * small process and from one holding 300 MB more (a worker with ~100 live sessions), spawning
 * directly (node's child_process: fork copies the page tables) and through the SpawnBroker.
 * Baseline in the same run: the direct spawn from the small process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { SpawnBroker } from '@app/claude';
import type { BenchReport } from './report';
import { nowMs, summarizeLatency } from './latency';

const RUNS = 30;

/** Blocking time of one spawn call: until the event loop runs the next task again. */
async function blocked(start: () => Promise<unknown> | unknown): Promise<number> {
  const began = nowMs();
  const done = start();
  await new Promise((resolve) => setImmediate(resolve));
  const ms = nowMs() - began;
  await done;
  return ms;
}

async function measure(label: string, broker: SpawnBroker): Promise<BenchReport['rows']> {
  const direct: number[] = [];
  const brokered: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    direct.push(
      await blocked(async () => {
        const child = spawn('/bin/true', [], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
        await once(child, 'exit');
      }),
    );
    brokered.push(
      await blocked(async () => {
        const child = await broker.spawn({ command: '/bin/true', args: [], cwd: '/', env: {} });
        if (child.exitCode === null) await once(child, 'exit');
      }),
    );
  }
  return [
    { caller: label, spawn: 'direct (node child_process)', ...row(direct) },
    { caller: label, spawn: 'SpawnBroker', ...row(brokered) },
  ];
}

function row(samples: number[]) {
  const s = summarizeLatency(samples);
  const r = (n: number) => Math.round(n * 100) / 100;
  return { 'blocked p50 ms': r(s.p50), 'blocked p99 ms': r(s.p99), 'blocked max ms': r(s.max) };
}

export async function run(): Promise<BenchReport> {
  const broker = new SpawnBroker();
  try {
    // The broker process itself is forked once, on first use: not part of a spawn's cost.
    await once(await broker.spawn({ command: '/bin/true', args: [], cwd: '/', env: {} }), 'exit');
    const rows = await measure('small process', broker);
    const ballast: Buffer[] = [];
    for (let i = 0; i < 300; i++) ballast.push(Buffer.alloc(1024 * 1024, 1));
    rows.push(...(await measure('+300 MB resident', broker)));
    ballast.length = 0;
    return {
      name: 'spawn: event-loop time blocked per process start',
      rows,
      notes: [
        `${RUNS} starts of /bin/true per row; "blocked" is from the spawn call until the caller's event loop runs its next task.`,
      ],
    };
  } finally {
    broker.close();
  }
}
