/**
 * `npm run bench [part...]`: runs the benchmark parts, prints a table per part and writes
 * bench/results/<part>.json. Each part measures its own baseline in the same run, because
 * this machine is shared and absolute figures drift.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import type { BenchReport } from './report';

const PARTS: Record<string, () => Promise<BenchReport>> = {
  parser: () => import('./parser.bench').then((m) => m.run()),
  'stream-redis': () => import('./stream-redis.bench').then((m) => m.run()),
  stream: () => import('./stream-e2e.bench').then((m) => m.run()),
  checkpoint: () => import('./checkpoint-store.bench').then((m) => m.run()),
  'checkpoint-cli': () => import('./checkpoint-cli.bench').then((m) => m.run()),
  workspace: () => import('./workspace.bench').then((m) => m.run()),
  spawn: () => import('./spawn.bench').then((m) => m.run()),
  chaos: () => import('./chaos.bench').then((m) => m.run()),
  mcp: () => import('./mcp.bench').then((m) => m.run()),
  fairness: () => import('./fairness.bench').then((m) => m.run()),
  scale: () => import('./scale.bench').then((m) => m.run()),
  console: () => import('./console.bench').then((m) => m.run()),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((p) => !(p in PARTS));
  if (unknown.length)
    throw new Error(
      `unknown part(s) ${unknown.join(', ')}; parts: ${Object.keys(PARTS).join(', ')}`,
    );
  const outDir = join(__dirname, 'results');
  mkdirSync(outDir, { recursive: true });
  const machine = {
    node: process.version,
    cpus: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
  };
  for (const part of wanted.length ? wanted : Object.keys(PARTS)) {
    const started = Date.now();
    const report = await PARTS[part]();
    console.log(`\n## ${report.name}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    console.table(report.rows);
    for (const note of report.notes ?? []) console.log(`- ${note}`);
    const file = join(outDir, `${part}.json`);
    writeFileSync(
      file,
      JSON.stringify({ ...report, machine, at: new Date().toISOString() }, null, 2),
    );
    console.log(`written ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
