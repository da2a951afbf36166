import { Counter, Gauge, Histogram } from 'prom-client';
import { BUCKETS } from './buckets';
import { MetricsRegistry, readWithin } from './metrics-registry';
import { processTreeRss } from './process-memory';
import type { TenantLabels } from './tenant-labels';

/** How a started turn ended (csb_turns_total's `outcome`, fixed by k8s/monitoring). */
export type TurnEnd = 'completed' | 'failed' | 'interrupted' | 'handed_back' | 'lost';

/** What the worker's scrape-time gauges read; attached once the worker's parts exist. */
export interface WorkerSources {
  /** Resolves true when every readiness probe passes (what /readyz answers 200 for). */
  ready(): Promise<boolean>;
  /** WORKER_CONCURRENCY as resolved at start-up. */
  concurrency(): number;
  /** CLI processes running a turn now. */
  runningTurns(): number;
  /** Process ids of the live CLI processes (each leads its process group). */
  cliProcesses(): number[];
}

/** A checkpoint as the worker stored it: what it holds and what it added to the store. */
export interface CheckpointFigures {
  bytes: number;
  storedBytes: number;
}

/** The worker's metrics (the names the k8s/monitoring files use are fixed there). */
export class WorkerMetrics extends MetricsRegistry {
  private sources?: WorkerSources;
  private readonly turnsStarted: Counter<'tenant'>;
  private readonly turnsEnded: Counter<'tenant' | 'outcome'>;
  private readonly turnDuration: Histogram<'outcome'>;
  private readonly queueWait: Histogram;
  private readonly checkpointDuration: Histogram;
  private readonly checkpointSize: Histogram;
  private readonly checkpointStored: Counter;
  private readonly webhookDeliveries: Counter<'outcome'>;

  constructor(tenants: TenantLabels) {
    super(tenants);
    const registers = [this.registry];
    this.turnsStarted = new Counter({
      name: 'csb_turns_started_total',
      help: 'Turns whose message was handed to a CLI process',
      labelNames: ['tenant'],
      registers,
    });
    this.turnsEnded = new Counter({
      name: 'csb_turns_total',
      help: 'Started turns that ended: completed, failed, interrupted, handed_back, lost',
      labelNames: ['tenant', 'outcome'],
      registers,
    });
    this.turnDuration = new Histogram({
      name: 'csb_turn_duration_seconds',
      help: 'A turn from its start to its result (or its end otherwise)',
      labelNames: ['outcome'],
      buckets: BUCKETS.turn,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'csb_queue_wait_seconds',
      help: "From a turn's enqueue to a worker taking it (BullMQ processedOn - timestamp)",
      buckets: BUCKETS.queueWait,
      registers,
    });
    this.checkpointDuration = new Histogram({
      name: 'csb_checkpoint_duration_seconds',
      help: 'Taking a checkpoint: capture, compress, store',
      buckets: BUCKETS.checkpoint,
      registers,
    });
    this.checkpointSize = new Histogram({
      name: 'csb_checkpoint_size_bytes',
      help: 'What a checkpoint holds (transcript and workspace), uncompressed',
      buckets: BUCKETS.bytes,
      registers,
    });
    this.checkpointStored = new Counter({
      name: 'csb_checkpoint_stored_bytes_total',
      help: 'Compressed bytes checkpoints added to the object store (unchanged content is free)',
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'csb_webhook_deliveries_total',
      help: 'Webhook delivery attempts (workers deliver them), by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.defineScrapeGauges(registers);
  }

  /** The scrape-time gauges read these from now on (until then they are left out). */
  collectFrom(sources: WorkerSources): void {
    this.sources = sources;
  }

  /** A turn's message went to its CLI; call the answer once the turn ends. */
  turnStarted(tenant: string): (end: TurnEnd) => void {
    const label = this.tenants.of(tenant);
    const started = performance.now();
    this.turnsStarted.inc({ tenant: label });
    return (outcome) => {
      this.turnsEnded.inc({ tenant: label, outcome });
      this.turnDuration.observe({ outcome }, (performance.now() - started) / 1000);
    };
  }

  queueWaited(ms: number): void {
    this.queueWait.observe(Math.max(0, ms) / 1000);
  }

  checkpointed(figures: CheckpointFigures, seconds: number): void {
    this.checkpointDuration.observe(seconds);
    this.checkpointSize.observe(figures.bytes);
    this.checkpointStored.inc(figures.storedBytes);
  }

  /** Each attempt of a webhook delivery, as the sender logged it for the tenant. */
  webhookDelivered(outcome: 'delivered' | 'retrying' | 'failed' | 'refused'): void {
    this.webhookDeliveries.inc({ outcome });
  }

  private defineScrapeGauges(registers: MetricsRegistry['registry'][]): void {
    const sources = () => this.sources;
    new Gauge({
      name: 'csb_worker_ready',
      help: "1 while the worker's /readyz answers 200",
      registers,
      async collect() {
        const source = sources();
        if (source) this.set((await readWithin(() => source.ready())) === true ? 1 : 0);
      },
    });
    new Gauge({
      name: 'csb_worker_concurrency',
      help: 'WORKER_CONCURRENCY as resolved at start-up',
      registers,
      collect() {
        const source = sources();
        if (source) this.set(source.concurrency());
      },
    });
    new Gauge({
      name: 'csb_worker_running_turns',
      help: 'CLI processes running turns on the worker',
      registers,
      collect() {
        const source = sources();
        if (source) this.set(source.runningTurns());
      },
    });
    new Gauge({
      name: 'csb_cli_processes',
      help: 'Live CLI processes on the worker (running a turn or idle until they hibernate)',
      registers,
      collect() {
        const source = sources();
        if (source) this.set(source.cliProcesses().length);
      },
    });
    new Gauge({
      name: 'csb_cli_memory_bytes',
      help: 'Resident memory of the live CLI processes: their process groups and all below them (Linux /proc)',
      registers,
      async collect() {
        const source = sources();
        if (!source) return;
        // Scans /proc: on a host with thousands of processes and a busy CPU this takes seconds,
        // still within a scrape's usual 10 s timeout.
        const bytes = await readWithin(() => processTreeRss(source.cliProcesses()), 5_000);
        this.set(bytes ?? Number.NaN);
      },
    });
  }
}
