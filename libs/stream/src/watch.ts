/** Notification payloads a follower may hold before they are dropped in favour of a read. */
const MAX_KEPT_MESSAGE_BYTES = 1024 * 1024;

export interface WatchOptions {
  /** Keep notification payloads for takeMessages() (follow); a long-poll only needs the wake-up. */
  keepMessages?: boolean;
}

/** Payloads received since the last take; `complete` is false when some were dropped or missed. */
export interface TakenMessages {
  messages: string[];
  complete: boolean;
}

/**
 * One waiter's interest in a channel. A notification is latched until the next wait() takes it,
 * so one that lands between a read and the wait is not lost; many coalesce into one wake-up.
 */
export class Watch {
  private notified = false;
  private wake?: () => void;
  private closed = false;
  private messages: string[] = [];
  private messageBytes = 0;
  private complete = true;
  /**
   * The signal whose abort wakes a wait. Hooked once, not per wait: a follower waits once per
   * notification, and adding and removing an abort listener each time cost ~2 % of the gateway.
   */
  private hooked?: AbortSignal;

  constructor(
    private readonly release: (watch: Watch) => void,
    private readonly options: WatchOptions = {},
  ) {}

  /**
   * A message on the channel, or (no message) a wake-up after a reconnect: messages published
   * while disconnected are gone, so what is kept is then incomplete.
   */
  notify(message?: string): void {
    this.notified = true;
    if (message === undefined || this.messageBytes + message.length > MAX_KEPT_MESSAGE_BYTES) {
      this.dropMessages();
    } else if (this.options.keepMessages) {
      this.messages.push(message);
      this.messageBytes += message.length;
    }
    this.wake?.();
  }

  /** True if notified since the last wait; false when timeoutMs passed or the signal aborted. */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.notified && !signal?.aborted) await this.sleepUntilNotified(timeoutMs, signal);
    const notified = this.notified;
    this.notified = false;
    return notified;
  }

  takeMessages(): TakenMessages {
    const taken = { messages: this.messages, complete: this.complete };
    this.messages = [];
    this.messageBytes = 0;
    this.complete = true;
    return taken;
  }

  /** Idempotent; the hub unsubscribes when the channel's last watch closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unhook();
    this.wake?.();
    this.release(this);
  }

  private dropMessages(): void {
    this.messages = [];
    this.messageBytes = 0;
    this.complete = false;
  }

  private sleepUntilNotified(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal !== this.hooked) this.hook(signal);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.wake = done;
    });
  }

  private hook(signal: AbortSignal | undefined): void {
    this.unhook();
    this.hooked = signal;
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private unhook(): void {
    this.hooked?.removeEventListener('abort', this.onAbort);
    this.hooked = undefined;
  }

  private readonly onAbort = (): void => this.wake?.();
}
