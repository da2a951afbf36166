/**
 * Latency samples in preallocated columns. Recording one allocates nothing: the bench process
 * is also the measuring client, and a sample object per message (retained for the whole run)
 * gave it GC pauses of its own that showed up as system latency.
 */
export class SampleLog {
  private sentAt: Float64Array;
  private latency: Float64Array;
  private session: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.sentAt = new Float64Array(Math.max(16, capacity));
    this.latency = new Float64Array(this.sentAt.length);
    this.session = new Int32Array(this.sentAt.length);
  }

  push(sentAt: number, latency: number, session: number): void {
    if (this.length === this.sentAt.length) this.grow();
    this.sentAt[this.length] = sentAt;
    this.latency[this.length] = latency;
    this.session[this.length] = session;
    this.length += 1;
  }

  /** Latencies of the samples sent within [from, to] (all by default). */
  latencies(from = -Infinity, to = Infinity): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) {
      if (this.sentAt[i] >= from && this.sentAt[i] <= to) out.push(this.latency[i]);
    }
    return out;
  }

  /** While every session was sending: after the last session's first sample, before the first one's last. */
  allSendingWindow(): { from: number; to: number } {
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    for (let i = 0; i < this.length; i++) {
      const s = this.session[i];
      first.set(s, Math.min(first.get(s) ?? Infinity, this.sentAt[i]));
      last.set(s, Math.max(last.get(s) ?? -Infinity, this.sentAt[i]));
    }
    return { from: Math.max(...first.values()), to: Math.min(...last.values()) };
  }

  toJSON(): Array<{ sentAt: number; latency: number; session: number }> {
    return Array.from({ length: this.length }, (_, i) => ({
      sentAt: this.sentAt[i],
      latency: this.latency[i],
      session: this.session[i],
    }));
  }

  private grow(): void {
    const size = this.sentAt.length * 2;
    const grown = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.sentAt = grown(this.sentAt, (n) => new Float64Array(n));
    this.latency = grown(this.latency, (n) => new Float64Array(n));
    this.session = grown(this.session, (n) => new Int32Array(n));
  }
}
