/**
 * Detects a hung turn: no stdout for `timeoutMs` while a turn is in flight and the consumer is
 * waiting for output. Time the consumer spends behind (stdout paused by backpressure) or
 * between turns never counts, so slow consumers and idle sessions are not mistaken for hangs.
 */
export class OutputWatchdog {
  private inTurn = false;
  private waitingSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Holds taken while the CLI is silent on purpose (waiting for a permission answer). */
  private holds = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void,
  ) {}

  /** Wraps the source so that each pull and each chunk is observed. */
  async *track(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const iterator = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        this.waitingSince = Date.now();
        this.arm();
        const next = await iterator.next();
        this.waitingSince = undefined;
        if (next.done) return;
        yield next.value as Buffer;
      }
    } finally {
      this.stop();
      await iterator.return?.();
    }
  }

  turnStarted(): void {
    this.inTurn = true;
    if (this.waitingSince !== undefined) this.waitingSince = Date.now();
    this.arm();
  }

  turnEnded(): void {
    this.inTurn = false;
    // Nothing times out between turns: an idle session (a worker holds hundreds) keeps no timer.
    this.stop();
  }

  /** The silence from now on is expected (the CLI waits for the host): never a timeout. */
  hold(): void {
    this.holds++;
  }

  /** The expected silence is over: the inactivity clock starts again from now. */
  release(): void {
    if (this.holds === 0) return;
    this.holds--;
    if (this.holds === 0 && this.waitingSince !== undefined) this.waitingSince = Date.now();
    this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer || !this.inTurn) return;
    this.timer = setTimeout(() => this.check(), this.timeoutMs);
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    // Held: no timer until release() restarts the clock.
    if (!this.inTurn || this.waitingSince === undefined || this.holds > 0) return;
    const idle = Date.now() - this.waitingSince;
    if (idle >= this.timeoutMs) this.onTimeout();
    else {
      this.timer = setTimeout(() => this.check(), this.timeoutMs - idle);
      this.timer.unref();
    }
  }
}
