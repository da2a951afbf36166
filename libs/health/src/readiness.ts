/** Something a process needs before it takes work: Redis, the object store, not draining. */
export interface ReadinessProbe {
  /** The key in /readyz's answer. */
  name: string;
  /** Resolves when ready; rejects (or times out) with what is wrong. */
  check(): Promise<void>;
}

/** Injection token of the process's ReadinessProbe[]. */
export const READINESS_PROBES = Symbol('READINESS_PROBES');

/**
 * Set once a process starts to stop: /readyz answers 503 from then on, so the orchestrator
 * sends it no more requests while it finishes what it has.
 */
export class Draining implements ReadinessProbe {
  readonly name = 'draining';
  private since?: number;

  start(): void {
    this.since ??= Date.now();
  }

  get active(): boolean {
    return this.since !== undefined;
  }

  async check(): Promise<void> {
    if (this.since !== undefined) throw new Error('shutting down: finishing what it has');
  }
}

/** A probe of a client that answers a cheap call (Redis PING, an object store HEAD). */
export function pingProbe(name: string, ping: () => Promise<unknown>, timeoutMs = 2_000) {
  return {
    name,
    check: async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ping(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  } satisfies ReadinessProbe;
}
