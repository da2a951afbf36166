import { randomBytes } from 'node:crypto';
import type { NewSessionEvent } from '@app/contracts';
import { encodeEvent, type EncodedEvent } from './codec';
import { EventFlushTimeoutError, EventWriterClosedError, EventWriterStalledError } from './errors';
import { CapacityWaiters, FlushWaiters } from './pending-waiters';
import type { SessionEventLog, WriterBatch } from './session-event-log';
import { backgroundTimer, sleep } from './timing';

export interface EventWriterOptions {
  /** push() returns false once more events than this are buffered or in flight. */
  maxPendingEvents?: number;
  /** ... or more bytes of event data than this. */
  maxPendingBytes?: number;
  /** Events per script call: bounds how long one Lua run blocks Redis. */
  maxBatchEvents?: number;
  /** Data bytes per script call (a single larger event still goes alone). */
  maxBatchBytes?: number;
  /** Script calls pipelined in one round trip. */
  maxBatchesPerFlush?: number;
  /** First wait after a failed flush; doubles per failure up to retryMaxMs. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** A flush with no answer for this long is reported (EventWriterStalledError) via onError. */
  stallTimeoutMs?: number;
  /** Default timeout for flush() and close(). */
  flushTimeoutMs?: number;
  /** Failed attempts and stalls; the writer keeps the events and retries regardless. */
  onError?: (error: Error) => void;
}

const DEFAULTS: Required<Omit<EventWriterOptions, 'onError'>> = {
  maxPendingEvents: 2_000,
  maxPendingBytes: 16 * 2 ** 20,
  maxBatchEvents: 200,
  maxBatchBytes: 2 ** 20,
  maxBatchesPerFlush: 16,
  retryMinMs: 50,
  retryMaxMs: 2_000,
  stallTimeoutMs: 5_000,
  flushTimeoutMs: 30_000,
};

export interface EventWriterStats {
  /** Pushed and not yet confirmed by Redis (queued + in flight). */
  pendingEvents: number;
  pendingBytes: number;
  /** Confirmed by Redis since the writer was created. */
  appendedEvents: number;
  failedAttempts: number;
  lastError?: Error;
}

/**
 * Where one session's events go, with backpressure: `push` returning false means wait for
 * capacity before producing more.
 */
export interface EventSink {
  push(event: NewSessionEvent): boolean;
  waitForCapacity(): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Worker-side batching appender for one session. push() is synchronous and cheap; a flush starts
 * at once when none is running, and whatever arrives during a flush goes out as the next one, so
 * batches grow with Redis latency and never wait on a timer. Events are kept until Redis confirms
 * them, retried with a dedup mark so a resend never duplicates, and bounded by backpressure.
 */
export class EventWriter implements EventSink {
  private readonly opts: Required<Omit<EventWriterOptions, 'onError'>>;
  private readonly onError: (error: Error) => void;
  /** Dedup field in the session hash: unique per writer, holds its last applied batch number. */
  private readonly mark = `writer:${randomBytes(8).toString('hex')}`;
  private queue: EncodedEvent[] = [];
  private inFlight: WriterBatch[] = [];
  private nextBatchNumber = 1;
  private pending = { events: 0, bytes: 0 };
  private pushed = 0;
  private confirmed = 0;
  private failedAttempts = 0;
  private lastError?: Error;
  private flushing = false;
  private closed = false;
  private abandoned = false;
  private readonly flushWaiters = new FlushWaiters();
  private readonly capacityWaiters = new CapacityWaiters();

  constructor(
    private readonly log: SessionEventLog,
    readonly sessionId: string,
    options: EventWriterOptions = {},
  ) {
    this.opts = { ...DEFAULTS, ...stripUndefined(options) };
    this.onError = options.onError ?? (() => undefined);
  }

  /** Queues an event; false means "over the limits: pause the producer until waitForCapacity()". */
  push(event: NewSessionEvent): boolean {
    if (this.closed) throw new EventWriterClosedError(this.sessionId);
    const encoded = encodeEvent(event, Date.now());
    this.queue.push(encoded);
    this.pending.events += 1;
    this.pending.bytes += encoded.bytes;
    this.pushed += 1;
    if (!this.flushing) void this.drain();
    return this.hasCapacity;
  }

  get hasCapacity(): boolean {
    return (
      this.pending.events < this.opts.maxPendingEvents &&
      this.pending.bytes < this.opts.maxPendingBytes
    );
  }

  /** Resolves once the writer is below its limits again (or the signal aborts, or it gave up). */
  waitForCapacity(signal?: AbortSignal): Promise<void> {
    if (this.hasCapacity || this.abandoned) return Promise.resolve();
    return this.capacityWaiters.wait(signal);
  }

  /**
   * Resolves when every event pushed so far is in Redis. On timeout it rejects with
   * EventFlushTimeoutError; the events stay buffered and the writer keeps retrying.
   */
  flush(timeoutMs = this.opts.flushTimeoutMs): Promise<void> {
    const target = this.pushed;
    if (this.confirmed >= target) return Promise.resolve();
    return this.flushWaiters.wait(target, timeoutMs, () => this.timeoutError(timeoutMs));
  }

  /**
   * Flushes, refuses further pushes and drops the dedup mark. If Redis does not take the events
   * within timeoutMs the writer gives up on them (rejecting with their count) so that a worker
   * shutting down never hangs on a dead Redis.
   */
  async close(timeoutMs = this.opts.flushTimeoutMs): Promise<void> {
    this.closed = true;
    try {
      await this.flush(timeoutMs);
    } catch (error) {
      this.abandoned = true;
      this.capacityWaiters.releaseAll();
      throw error;
    }
    this.capacityWaiters.releaseAll();
    await this.log.forgetWriter(this.sessionId, this.mark).catch((error: unknown) => {
      this.onError(toError(error)); // a leftover mark is a few bytes, not worth failing close
    });
  }

  get stats(): EventWriterStats {
    return {
      pendingEvents: this.pending.events,
      pendingBytes: this.pending.bytes,
      appendedEvents: this.confirmed,
      failedAttempts: this.failedAttempts,
      lastError: this.lastError,
    };
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    let retryMs = this.opts.retryMinMs;
    try {
      while (!this.abandoned && (this.inFlight.length > 0 || this.queue.length > 0)) {
        // Failed batches are resent as they were (same numbers), so the dedup mark recognises them.
        if (this.inFlight.length === 0) this.inFlight = this.takeBatches();
        if (await this.sendInFlight()) {
          this.confirmInFlight();
          retryMs = this.opts.retryMinMs;
        } else {
          await sleep(retryMs);
          retryMs = Math.min(retryMs * 2, this.opts.retryMaxMs);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** True when Redis took every in-flight batch; errors go to onError and mean "retry". */
  private async sendInFlight(): Promise<boolean> {
    const count = this.inFlight.reduce((n, b) => n + b.events.length, 0);
    const started = Date.now();
    const stall = backgroundTimer(this.opts.stallTimeoutMs, () =>
      this.onError(new EventWriterStalledError(this.sessionId, count, Date.now() - started)),
    );
    try {
      await this.log.appendBatches(this.sessionId, this.mark, this.inFlight);
      return true;
    } catch (error) {
      this.failedAttempts += 1;
      this.lastError = toError(error);
      this.onError(this.lastError);
      return false;
    } finally {
      clearTimeout(stall);
    }
  }

  private takeBatches(): WriterBatch[] {
    const batches: WriterBatch[] = [];
    let taken = 0;
    while (taken < this.queue.length && batches.length < this.opts.maxBatchesPerFlush) {
      const size = this.batchSizeAt(taken);
      batches.push({
        number: this.nextBatchNumber++,
        events: this.queue.slice(taken, taken + size),
      });
      taken += size;
    }
    this.queue = this.queue.slice(taken);
    return batches;
  }

  /** How many queued events from `start` fit one script call (at least one). */
  private batchSizeAt(start: number): number {
    let bytes = 0;
    let size = 0;
    while (start + size < this.queue.length && size < this.opts.maxBatchEvents) {
      bytes += this.queue[start + size].bytes;
      if (size > 0 && bytes > this.opts.maxBatchBytes) break;
      size += 1;
    }
    return size;
  }

  private confirmInFlight(): void {
    for (const batch of this.inFlight) {
      for (const e of batch.events) this.pending.bytes -= e.bytes;
      this.pending.events -= batch.events.length;
      this.confirmed += batch.events.length;
    }
    this.inFlight = [];
    this.flushWaiters.settle(this.confirmed);
    if (this.hasCapacity) this.capacityWaiters.releaseAll();
  }

  private timeoutError(timeoutMs: number): EventFlushTimeoutError {
    return new EventFlushTimeoutError(this.sessionId, this.pending.events, timeoutMs, {
      cause: this.lastError,
    });
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
