/*
 * Clients as a fault test sees them: each drives one session through a number of turns and
 * reads its events with session_events cursors, moving to another gateway whenever one fails,
 * and at the end holds up what it received against the stream itself: lost, duplicated, and
 * how long calls failed. The faults happen elsewhere (kill, stop, outages).
 */
import type { SessionEvent } from '@app/contracts';
import { RawMcpClient } from '../../bench/raw-mcp-client';
import { TENANT_KEYS } from './system';

/** The gateways to call, in order of preference; a fault test replaces them as it goes. */
export type GatewayList = () => URL[];

/** One MCP client per gateway URL, made on first use and dropped when a call on it fails. */
export class GatewayClients {
  private readonly clients = new Map<string, RawMcpClient>();
  private turn = 0;
  /** Calls that failed and were retried (a gateway gone, Redis away). */
  failures = 0;
  /** For each call that failed at least once: ms from its first failure to its success. */
  readonly outages: number[] = [];

  constructor(private readonly gateways: GatewayList) {}

  /** Calls the tool on some gateway, retrying others until `deadlineMs` passes. */
  async call(
    name: string,
    args: Record<string, unknown>,
    deadlineMs = 120_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + deadlineMs;
    let failedAt: number | undefined;
    for (;;) {
      const urls = this.gateways();
      const url = urls[this.turn++ % urls.length];
      try {
        const result = await (await this.client(url)).callTool(name, args);
        if (failedAt !== undefined) this.outages.push(Date.now() - failedAt);
        return result;
      } catch (error) {
        failedAt ??= Date.now();
        this.clients.delete(url.href);
        this.failures++;
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  private async client(url: URL): Promise<RawMcpClient> {
    let client = this.clients.get(url.href);
    if (!client) {
      client = new RawMcpClient(url, TENANT_KEYS.acme);
      await client.connect();
      this.clients.set(url.href, client);
    }
    return client;
  }
}

const statusOf = (e: SessionEvent) => (e.data as { status?: string } | null)?.status;

export interface DriverReport {
  sessionId: string;
  turnsSettled: number;
  turnsFailed: number;
  /** Events in the stream this client never received (without a gap event saying so). */
  lost: number;
  /** Events received more than once. */
  duplicated: number;
  /** Turns that ran again after a crash or hand-back (turn_restarted markers). */
  restarted: number;
  /** `gap` events received: events trimmed before this client read them, said as such. */
  gaps: number;
  /** The session took a turn after the faults: it ended usable. */
  usable: boolean;
}

/**
 * One session: `turns` turns of `message(turn)`, each sent when the previous one has settled
 * (idle or failed), its events read as they come.
 */
export class SessionDriver {
  sessionId = '';
  private readonly received = new Map<number, SessionEvent>();
  private duplicated = 0;
  private cursor: string | undefined;
  private settled = new Map<number, 'idle' | 'failed'>();
  private stopped = false;

  constructor(
    private readonly clients: GatewayClients,
    private readonly turns: number,
    private readonly message: (turn: number) => string,
  ) {}

  /** Runs every turn; resolves when the last one has settled. */
  async run(): Promise<void> {
    const started = await this.clients.call('session_start', { prompt: this.message(1) });
    this.sessionId = started.sessionId as string;
    const reading = this.read();
    for (let turn = 1; turn <= this.turns; turn++) {
      if (turn > 1) {
        await this.clients.call('session_send', {
          sessionId: this.sessionId,
          message: this.message(turn),
        });
      }
      while (!this.settled.has(turn)) await this.nextEvents();
    }
    this.stopped = true;
    await reading;
  }

  /** What the client got, against the session's stream; then one more turn to prove it usable. */
  async report(): Promise<DriverReport> {
    // Catch up first: what was appended after the last turn settled (a hibernation) is not lost.
    let before: number;
    do {
      before = this.received.size;
      await this.nextEvents();
    } while (this.received.size > before);
    const stream: SessionEvent[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.clients.call('session_events', {
        sessionId: this.sessionId,
        limit: 1000,
        ...(after ? { after } : {}),
      });
      const events = page.events as SessionEvent[];
      if (events.length === 0) break;
      stream.push(...events);
      after = page.next as string;
    }
    const gaps = [...this.received.values()].filter((e) => e.kind === 'gap');
    const covered = (seq: number) =>
      gaps.some((g) => {
        const { from, to } = g.data as { from: number; to: number };
        return seq >= from && seq <= to;
      });
    const lost = stream.filter((e) => !this.received.has(e.seq) && !covered(e.seq)).length;
    const next = await this.clients.call('session_send', {
      sessionId: this.sessionId,
      message: this.message(this.turns + 1),
      wait: true,
    });
    return {
      sessionId: this.sessionId,
      turnsSettled: this.settled.size,
      turnsFailed: [...this.settled.values()].filter((s) => s === 'failed').length,
      lost,
      duplicated: this.duplicated,
      restarted: stream.filter((e) => e.kind === 'turn_restarted').length,
      gaps: gaps.length,
      usable: next.status === 'idle',
    };
  }

  /** Events of this session received so far, oldest first. */
  events(): SessionEvent[] {
    return [...this.received.values()].sort((a, b) => a.seq - b.seq);
  }

  private async read(): Promise<void> {
    while (!this.stopped) await this.nextEvents();
  }

  private pending?: Promise<void>;

  /** One long-poll of session_events (shared by the reader and the turn loop). */
  private nextEvents(): Promise<void> {
    this.pending ??= this.poll().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async poll(): Promise<void> {
    const page = await this.clients.call('session_events', {
      sessionId: this.sessionId,
      limit: 500,
      waitMs: this.stopped ? 0 : 1_000,
      ...(this.cursor ? { after: this.cursor } : {}),
    });
    for (const event of page.events as SessionEvent[]) {
      if (this.received.has(event.seq)) this.duplicated++;
      else this.received.set(event.seq, event);
      const status = statusOf(event);
      if (event.kind === 'status' && (status === 'idle' || status === 'failed')) {
        this.settled.set(event.turn, status);
      }
    }
    this.cursor = page.next as string;
  }
}
