import os from 'node:os';

/** A real CLI process uses about 300 MB; keep headroom for the worker itself. */
const PER_PROCESS_BYTES = 350 * 1024 * 1024;
const RESERVED_BYTES = 512 * 1024 * 1024;

/** WORKER_CONCURRENCY when set, else as many CLI processes as free memory allows (1..32). */
export function workerConcurrency(
  configured: number | undefined,
  freeBytes = os.freemem(),
): number {
  if (configured) return configured;
  return Math.max(1, Math.min(32, Math.floor((freeBytes - RESERVED_BYTES) / PER_PROCESS_BYTES)));
}
