import { summarizeLatency } from './latency';
import type { BenchReport } from './report';

export type Row = BenchReport['rows'][number];

export const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

export function row(
  backend: string,
  size: string,
  metric: string,
  value: number,
  baseline: number | string,
  unit: string,
): Row {
  return { backend, size, metric, value, baseline, unit };
}

/** Runs `fn` count times, one after the other; `fn` returns the milliseconds it measured. */
export async function samples(
  count: number,
  fn: (i: number) => Promise<number>,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await fn(i));
  return times;
}

/** Milliseconds `fn` took. */
export async function clock(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** p50 and p99 rows of `times` against the same figures of `base`. */
export function latencyRows(
  backend: string,
  size: string,
  metric: string,
  times: number[],
  base: number[] | undefined,
): Row[] {
  const t = summarizeLatency(times);
  const b = base && summarizeLatency(base);
  const n = `n=${times.length}`;
  return [
    row(backend, size, `${metric} p50 (${n})`, round(t.p50), b ? round(b.p50) : '', 'ms'),
    row(backend, size, `${metric} p99 (${n})`, round(t.p99), b ? round(b.p99) : '', 'ms'),
  ];
}

export function kB(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}
