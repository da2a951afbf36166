/**
 * Child-process part of the parser benchmark (its own process so the RSS baseline is clean):
 * a producer child writes CLI output into a real pipe as fast as the pipe takes it, this
 * process parses it with a deliberately slow consumer and samples its own RSS. Prints one JSON
 * line (`MemoryResult`) on stdout. Usage: node --expose-gc -r @swc-node/register
 * bench/parser-memory.ts [totalBytes] [pauseEvery] [pauseMs]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJsonl } from '../libs/claude/src/jsonl-parser';
import { fixtureSets } from './parser-corpus';

export interface MemoryResult {
  totalBytes: number;
  messages: number;
  parseErrors: number;
  seconds: number;
  rssBaselineBytes: number;
  rssPeakBytes: number;
  samples: number;
  pauses: number;
  /** Share of the producer's run spent waiting for the pipe to drain: backpressure at work. */
  producerWaitShare: number;
}

// Plain JS for `node -e`: no loader, so the producer starts instantly and stays lean. It uses a
// non-blocking socket on fd 1, so the time it waits for 'drain' (a full pipe) is measurable.
const PRODUCER = `
const fs = require('node:fs');
const net = require('node:net');
const [total, ...files] = process.argv.slice(1);
const unit = Buffer.concat(files.map((f) => {
  const b = fs.readFileSync(f);
  return b[b.length - 1] === 10 ? b : Buffer.concat([b, Buffer.from('\\n')]);
}));
const block = Buffer.concat(Array(Math.ceil(1048576 / unit.length)).fill(unit));
const out = new net.Socket({ fd: 1, readable: false });
const started = Date.now();
let sent = 0;
let waitMs = 0;
(function pump() {
  while (sent < Number(total)) {
    sent += block.length;
    if (!out.write(block)) {
      const since = Date.now();
      out.once('drain', () => { waitMs += Date.now() - since; pump(); });
      return;
    }
  }
  const report = () => JSON.stringify({ sent, waitMs, totalMs: Date.now() - started });
  out.end(() => process.stderr.write(report() + '\\n'));
})();
`;

function startRssSampler(intervalMs: number): { stop(): { peak: number; samples: number } } {
  let peak = process.memoryUsage.rss();
  let samples = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    samples++;
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { peak: Math.max(peak, process.memoryUsage.rss()), samples: samples + 1 };
    },
  };
}

async function settledBaseline(): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(200);
  return process.memoryUsage.rss();
}

async function main(): Promise<void> {
  const [totalBytes, pauseEvery, pauseMs] = [2 ** 30, 1000, 10].map((fallback, i) =>
    Number(process.argv[2 + i] ?? fallback),
  );
  const files = fixtureSets()[0].files;
  const rssBaselineBytes = await settledBaseline();
  const sampler = startRssSampler(10);
  const producer = spawn(process.execPath, ['-e', PRODUCER, String(totalBytes), ...files], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let producerReport = '';
  producer.stderr.on('data', (d: Buffer) => (producerReport += d.toString()));
  const exited = once(producer, 'exit');
  const started = process.hrtime.bigint();
  let messages = 0;
  let parseErrors = 0;
  let pauses = 0;
  for await (const line of parseJsonl(producer.stdout)) {
    if (line.kind === 'parse_error') parseErrors++;
    else messages++;
    if (line.kind === 'message' && messages % pauseEvery === 0) {
      pauses++;
      await sleep(pauseMs);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [code] = await exited;
  const { peak, samples } = sampler.stop();
  if (code !== 0) throw new Error(`producer exited ${code}: ${producerReport}`);
  const report = JSON.parse(producerReport) as { sent: number; waitMs: number; totalMs: number };
  const result: MemoryResult = {
    totalBytes: report.sent,
    messages,
    parseErrors,
    seconds,
    rssBaselineBytes,
    rssPeakBytes: peak,
    samples,
    pauses,
    producerWaitShare: report.waitMs / Math.max(1, report.totalMs),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
