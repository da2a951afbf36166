import { collectDefaultMetrics, Registry } from 'prom-client';
import type { TenantLabels } from './tenant-labels';

/** How long a scrape waits for a collector that reads Redis or the queue before leaving it out. */
export const COLLECT_TIMEOUT_MS = 1_500;

/**
 * One process role's metrics: a registry of its own (never prom-client's global one), so that
 * several gateways and workers in one process (tests, `npm start`) each serve their own series,
 * plus Node's default process metrics. Subclasses define the role's metrics; the apps call their
 * methods where things happen and attach scrape-time sources once their dependencies exist.
 */
export abstract class MetricsRegistry {
  readonly registry = new Registry();

  constructor(readonly tenants: TenantLabels) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The exposition text of every metric, as served on /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * Runs a scrape-time read; undefined when it fails or is slow. A scrape must answer while Redis
 * is away (that is when csb_worker_ready = 0 matters), so a collector that cannot read reports
 * its series as unknown (NaN, or no labelled series) rather than failing or holding up the scrape.
 */
export async function readWithin<T>(
  read: () => Promise<T>,
  timeoutMs = COLLECT_TIMEOUT_MS,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      read(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** Seconds since `ms` (epoch ms), never negative (clocks of two machines differ a little). */
export function secondsSince(ms: number, now = Date.now()): number {
  return Math.max(0, now - ms) / 1000;
}
