import type { ServerResponse } from 'node:http';
import type { ProgressToken } from '@modelcontextprotocol/server';
import type { SessionEvent, TurnRelayPlan } from '@app/contracts';
import {
  formatPosition,
  progressNotification,
  sseFrame,
  type StoredRelay,
} from './relayed-progress';

/** An SSE comment (the SDK's keep-alive) starts with ':'; it is no message. */
const COMMENT = 0x3a;

/** Where a relay's start is recorded (RedisEventStore.storeRelay). */
export interface RelayHistory {
  storeRelay(streamId: string, relay: StoredRelay, at: string | undefined): void;
}

/** Sends one relayed event as the call's `progress`th notification. */
export type RelayedEventSender = (event: SessionEvent, progress: number) => void;

/**
 * The SSE response of one 2025-era POST of an MCP session, written here from two sources in one
 * order: the SDK transport's stream (priming event, the server's requests, the response), and
 * the progress notifications of the call's relayed turn, which skip the SDK. Per message, the
 * SDK's transport tests every outgoing message against its response schemas (four failing zod
 * parses and some 39 KB of garbage per notification) and stores it for Last-Event-ID; a relayed
 * event needs neither: its notification is derived from the session event, so its SSE id names
 * that event and a resumed stream derives it again (StreamReplay).
 *
 * Order: the event store announces each message of the SDK before the SDK queues its chunk
 * (`announce`); a relayed frame waits behind the chunks announced before it, so the client gets
 * every message in the order the call produced it, the response last.
 */
export class ResponseStream {
  /** SDK chunks announced, and written: a frame waits until those before it are written. */
  private announced = 0;
  private written = 0;
  private readonly waiting: Array<{ after: number; frame: string }> = [];
  /** Relayed notifications so far (written or not), and the session event of the last one. */
  private relayed = 0;
  private lastRelayed = '';
  private relaying = false;
  private over = false;
  /** The SDK's id for this POST's stream, learnt from the event store (its priming event). */
  private streamId: string | undefined;

  constructor(
    private readonly res: ServerResponse,
    /** A relay may start: the POST carries one request (one call whose progress the stream is). */
    private readonly derivable: boolean,
  ) {}

  /**
   * The SDK is storing a message of this stream (RedisEventStore.storeEvent): its chunk comes
   * next. Returns where the relay stands, for the entry: a replay puts it after that many
   * relayed notifications.
   */
  announce(streamId: string): string | undefined {
    this.streamId ??= streamId;
    this.announced += 1;
    return this.position();
  }

  /**
   * Starts relaying a turn as derived progress and records it in the stream's history; undefined
   * where this stream cannot (a batch POST, a revision without resumable streams, a relay
   * already running): the call then sends each event through the SDK.
   */
  openRelay(
    history: RelayHistory,
    progressToken: ProgressToken,
    sentBefore: number,
    plan: TurnRelayPlan,
  ): RelayedEventSender | undefined {
    const streamId = this.streamId;
    if (!this.derivable || this.relaying || this.over || streamId === undefined) return undefined;
    this.relaying = true;
    history.storeRelay(streamId, { plan, progressToken, sentBefore }, this.position());
    return (event, progress) => {
      this.relayed += 1;
      this.lastRelayed = event.id;
      // Counted even when the client is gone: a replay elsewhere numbers them the same.
      if (this.gone) return;
      const id = `${streamId}/${formatPosition({ count: this.relayed, eventId: event.id })}`;
      const data = JSON.stringify(
        progressNotification(progressToken, progress, JSON.stringify(event)),
      );
      this.send(sseFrame(id, data));
    };
  }

  /** One chunk of the SDK's response body (writeWebResponse); false: wait for 'drain'. */
  write(chunk: Uint8Array): boolean {
    if (this.gone) return false;
    let more = this.res.write(chunk);
    if (chunk[0] === COMMENT) return more;
    this.written += 1;
    while (this.waiting.length > 0 && this.waiting[0].after <= this.written) {
      more = this.res.write((this.waiting.shift() as { frame: string }).frame);
    }
    return more;
  }

  /** The SDK's body ended (or the client left): nothing more is written. */
  end(): void {
    this.over = true;
    this.waiting.length = 0;
  }

  private send(frame: string): void {
    if (this.waiting.length === 0 && this.written >= this.announced) this.res.write(frame);
    else this.waiting.push({ after: this.announced, frame });
  }

  private position(): string | undefined {
    if (this.relayed === 0) return undefined;
    return formatPosition({ count: this.relayed, eventId: this.lastRelayed });
  }

  private get gone(): boolean {
    if (!this.over && (this.res.destroyed || this.res.writableEnded)) this.end();
    return this.over;
  }
}
