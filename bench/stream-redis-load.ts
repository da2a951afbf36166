/**
 * Load shapes and latency bookkeeping for bench/stream-redis.bench.ts: each session emits bursts
 * of CLI-like lines with short pauses (paced), or as fast as backpressure allows (saturated).
 */
import { randomUUID } from 'node:crypto';

export interface LoadShape {
  sessions: number;
  durationMs: number;
  /** Events per burst: 1..burstMax, uniformly. */
  burstMax: number;
  /** Pause between bursts; 0 = saturate (only backpressure and the event loop slow it). */
  pauseMs: number;
}

/** What each event carries: the push time (same process, so performance.now() compares). */
export interface BenchPayload {
  t: number;
  n: number;
  line: Record<string, unknown>;
}

export interface Sink {
  /** Queues one event for session s; false = pause for backpressure (then `capacity(s)`). */
  send(session: number, payload: BenchPayload): boolean;
  capacity(session: number): Promise<void>;
}

/** A typical `stream_event` text delta line of the real CLI (~300 bytes of JSON). */
const SAMPLE_LINE = {
  type: 'stream_event',
  event: {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text: 'The quick brown fox jumps over the lazy dog. ' },
  },
  session_id: randomUUID(),
  parent_tool_use_id: null,
  uuid: randomUUID(),
};

/** Runs the load; resolves with the number of events pushed per session. */
export async function generateLoad(shape: LoadShape, sink: Sink): Promise<number[]> {
  const end = performance.now() + shape.durationMs;
  const pushed = new Array<number>(shape.sessions).fill(0);
  const session = async (s: number): Promise<void> => {
    while (performance.now() < end) {
      const burst = 1 + Math.floor(Math.random() * shape.burstMax);
      for (let i = 0; i < burst; i++) {
        const ok = sink.send(s, { t: performance.now(), n: pushed[s]++, line: SAMPLE_LINE });
        if (!ok) await sink.capacity(s);
      }
      await (shape.pauseMs > 0 ? sleep(shape.pauseMs) : new Promise((r) => setImmediate(r)));
    }
  };
  await Promise.all(pushed.map((_, s) => session(s)));
  return pushed;
}

/** Latencies of delivered events, plus a per-session order check (n must count up from 0). */
export class Deliveries {
  readonly latencies: number[] = [];
  private readonly nextN: number[];
  outOfOrder = 0;

  constructor(sessions: number) {
    this.nextN = new Array<number>(sessions).fill(0);
  }

  record(session: number, payload: BenchPayload): void {
    this.latencies.push(performance.now() - payload.t);
    if (payload.n !== this.nextN[session]) this.outOfOrder++;
    this.nextN[session] = payload.n + 1;
  }

  get count(): number {
    return this.latencies.length;
  }
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export function summarize(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(5);
  }
}
