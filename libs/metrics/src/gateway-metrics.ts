import type { Server } from 'node:http';
import { Counter, Gauge, Histogram } from 'prom-client';
import { BUCKETS } from './buckets';
import { HttpRequests } from './http-requests';
import { MetricsRegistry, readWithin, secondsSince } from './metrics-registry';
import type { TenantLabels } from './tenant-labels';

/** Sessions per tenant and status, and permission prompts waiting, as read at a scrape. */
export interface SessionCensus {
  sessions: ReadonlyArray<{ tenant: string; status: string; count: number }>;
  pendingApprovals: ReadonlyArray<{ tenant: string; count: number }>;
}

/** What the gateway's scrape-time gauges read; attached once the session wiring exists. */
export interface GatewaySources {
  /** Turns waiting for a worker (BullMQ wait + prioritized). */
  waitingTurns(): Promise<number>;
  /** The configured tenants' sessions (a bounded read, see SessionCensus in libs/sessions). */
  census(tenants: readonly string[]): Promise<SessionCensus>;
}

/**
 * An event read this long after its `ts` is history being replayed (session_events from an old
 * cursor), not an event being relayed: it would only blur the latency it does not measure.
 */
const REPLAY_AFTER_MS = 10 * 60_000;

/** Both census gauges of one scrape share a read (a scrape takes far less than this). */
const CENSUS_REUSE_MS = 2_000;

/** The gateway's metrics (the names the k8s/monitoring files use are fixed there). */
export class GatewayMetrics extends MetricsRegistry {
  private sources?: GatewaySources;
  private readonly http: HttpRequests;
  private readonly eventLatency: Histogram;
  private readonly relayLag: Histogram;
  private readonly quotaRefusals: Counter<'quota' | 'tenant'>;
  private readonly budgetRefusals: Counter<'budget' | 'tenant'>;

  constructor(tenants: TenantLabels) {
    super(tenants);
    const registers = [this.registry];
    this.http = new HttpRequests(
      new Counter({
        name: 'csb_gateway_requests_total',
        help: 'HTTP requests answered, by status code',
        labelNames: ['status'],
        registers,
      }),
    );
    const http = this.http;
    new Gauge({
      name: 'csb_gateway_open_streams',
      help: 'SSE responses open (waited calls, event streams)',
      registers,
      collect() {
        // `this` is the gauge: prom-client calls collect on it at each scrape.
        this.set(http.openStreams());
      },
    });
    this.eventLatency = new Histogram({
      name: 'csb_event_latency_seconds',
      help: 'From the worker reading a CLI output line to the gateway relaying its event',
      buckets: BUCKETS.latency,
      registers,
    });
    this.relayLag = new Histogram({
      name: 'csb_relay_lag_seconds',
      help: "From an event's append to the Redis stream to the gateway relaying it",
      buckets: BUCKETS.latency,
      registers,
    });
    this.quotaRefusals = new Counter({
      name: 'csb_quota_refusals_total',
      help: 'Calls and requests refused by a tenant quota, by quota',
      labelNames: ['quota', 'tenant'],
      registers,
    });
    this.budgetRefusals = new Counter({
      name: 'csb_budget_refusals_total',
      help: 'Turns and sessions refused because a budget is spent, by budget',
      labelNames: ['budget', 'tenant'],
      registers,
    });
    this.defineScrapeGauges(registers);
  }

  /** Counts the HTTP server's requests and streams (call once, before it listens). */
  trackHttp(server: Server): void {
    this.http.attach(server);
  }

  /** The scrape-time gauges read these from now on (until then they are left out). */
  collectFrom(sources: GatewaySources): void {
    this.sources = sources;
  }

  /** Events a relay hands to a reader (a waited call, a long-poll, a follow). */
  eventsRelayed(events: ReadonlyArray<{ id: string; ts: number }>): void {
    const now = Date.now();
    for (const event of events) {
      if (now - event.ts > REPLAY_AFTER_MS) continue;
      this.eventLatency.observe(secondsSince(event.ts, now));
      // A stream entry id starts with the ms at which Redis appended it.
      const appended = Number.parseInt(event.id, 10);
      if (Number.isFinite(appended)) this.relayLag.observe(secondsSince(appended, now));
    }
  }

  quotaRefused(quota: string, tenant: string): void {
    this.quotaRefusals.inc({ quota, tenant: this.tenants.of(tenant) });
  }

  budgetRefused(budget: string, tenant: string): void {
    this.budgetRefusals.inc({ budget, tenant: this.tenants.of(tenant) });
  }

  private defineScrapeGauges(registers: MetricsRegistry['registry'][]): void {
    const tenants = this.tenants;
    const waitingTurns = () => this.sources?.waitingTurns() ?? Promise.resolve(undefined);
    new Gauge({
      name: 'csb_queue_waiting_turns',
      help: 'Turns queued and not yet taken; every instance reports the same queue (use max)',
      registers,
      async collect() {
        // NaN while it cannot be read: a 0 would tell an autoscaler the queue is empty.
        this.set((await readWithin(waitingTurns)) ?? Number.NaN);
      },
    });
    // One census feeds both gauges: a scrape reads each session's status once.
    let census: { at: number; read: Promise<SessionCensus | undefined> } | undefined;
    const readCensus = () => {
      if (!census || Date.now() - census.at > CENSUS_REUSE_MS) {
        census = { at: Date.now(), read: this.readCensus() };
      }
      return census.read;
    };
    new Gauge({
      name: 'csb_sessions',
      help: "Configured tenants' live sessions by status (queued, running, waiting, idle)",
      labelNames: ['tenant', 'status'],
      registers,
      async collect() {
        const read = await readCensus();
        this.reset();
        for (const row of read?.sessions ?? []) {
          this.set({ tenant: tenants.of(row.tenant), status: row.status }, row.count);
        }
      },
    });
    new Gauge({
      name: 'csb_pending_approvals',
      help: 'Permission prompts waiting for an answer from the client',
      labelNames: ['tenant'],
      registers,
      async collect() {
        const read = await readCensus();
        this.reset();
        for (const row of read?.pendingApprovals ?? []) {
          this.set({ tenant: tenants.of(row.tenant) }, row.count);
        }
      },
    });
  }

  private async readCensus(): Promise<SessionCensus | undefined> {
    const sources = this.sources;
    if (!sources) return undefined;
    return readWithin(() => sources.census(this.tenants.all));
  }
}
