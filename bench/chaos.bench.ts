/**
 * Faults while sessions stream (issue 13): workers killed and stopped, a gateway killed, Redis
 * restarted and down for 30 s, a Redis Cluster master killed, S3 down, a rolling restart of every
 * process, a slow reader, and hostile input. Every process is real (2 gateways, 2 workers, one Redis, the CLI stand-in);
 * each scenario on a fleet of its own. Per scenario: what the clients got (lost and duplicated
 * must be 0; a turn may run again only after a turn_restarted marker), time to recovery, and
 * whether every session took another turn afterwards.
 * Alone: npm run bench -- chaos (CHAOS_SCENARIOS=<comma-separated names> for some).
 */
import type { BenchReport } from './report';
import { runFuzz } from './chaos/fuzz';
import { FAULTS, runScenario } from './chaos/scenarios';
import { runSlowReader } from './chaos/slow-reader';

const SESSIONS = Number(process.env.CHAOS_SESSIONS ?? 20);
const TURNS = 3;
const PACE_MS = 40; // a turn streams ~4.4 s

export async function run(): Promise<BenchReport> {
  const wanted = process.env.CHAOS_SCENARIOS?.split(',').map((s) => s.trim());
  const pick = (name: string) => !wanted || wanted.some((w) => name.includes(w));
  const rows: BenchReport['rows'] = [];
  for (const fault of FAULTS.filter((f) => pick(f.name))) {
    const started = Date.now();
    rows.push(await runScenario(fault, { sessions: SESSIONS, turns: TURNS, paceMs: PACE_MS }));
    console.log(`  ${fault.name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  if (pick('slow reader')) rows.push(await runSlowReader());
  const notes = [
    `${SESSIONS} sessions × ${TURNS} turns of the long_text recording (109 lines, one per ${PACE_MS} ms) per scenario; 2 gateways, 2 workers (WORKER_LIVENESS_MS 10000 unless said), the CLI stand-in, SANDBOX=none`,
    'recovery: worker faults — from the fault to the first event of the turn from the worker that took it over; gateway and Redis faults — from a call failing to the same call answered; S3 — from S3 back to the missed checkpoint stored; Redis Cluster — from the kill of the master serving most sessions to the first event of each of its sessions stored on the promoted replica, and calls failing to answered (cluster-node-timeout 1 s)',
  ];
  if (pick('fuzz')) {
    const fuzz = await runFuzz();
    rows.push(...fuzz.rows.map((row) => ({ scenario: 'fuzz', ...row })));
    notes.push(...fuzz.notes);
  }
  return { name: 'chaos: faults while sessions stream', rows, notes };
}
