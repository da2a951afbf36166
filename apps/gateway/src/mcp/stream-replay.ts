import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { relaysEvent, turnRelayEnd, type SessionEvent } from '@app/contracts';
import type { RedisClient } from '@app/redis';
import { SessionEventLog, SessionEventSource } from '@app/stream';
import { isJsonRpcResponse } from './json-rpc';
import {
  formatPosition,
  progressNotification,
  type RelayPosition,
  type StoredRelay,
} from './relayed-progress';
import { compareIds, historyEntryOf, idBefore, type HistoryEntry } from './sse-history';

const PAGE = 500;

/** Where a client resumes: after a stored entry, or after a relayed notification. */
export type ReplayStart = { entryId: string } | { relayed: RelayPosition };

export interface ReplayTarget {
  redis: RedisClient;
  /** The stream's history key, and the tenant whose entries it may send. */
  key: string;
  tenant: string;
  streamId: string;
  send: (eventId: string, message: JSONRPCMessage) => Promise<void>;
}

/**
 * Replays one SSE stream of a 2025 MCP session after a Last-Event-ID, on any replica: the
 * entries its history holds (the SDK's messages, a tool's own progress), and between them the
 * notifications of the turn the call relayed, derived again from the session's stream. A stored
 * entry records how many relayed notifications came before it, so the merge is the order the
 * client was sent; a call still running elsewhere is followed by calling catchUp() again.
 */
export class StreamReplay {
  /** The call's response was sent: the stream is complete. */
  answered = false;
  private relay: StoredRelay | undefined;
  /** Relayed notifications before the relay's first (another call's, in a batch). */
  private relayStart = 0;
  /** Relayed notifications sent (or seen by the client) so far, and the last one's event. */
  private count = 0;
  private through: string | undefined;
  /** The session stream's cursor, and whether the relay reached its turn's end. */
  private readAfter: string | undefined;
  private ended = false;
  private historyAfter: string | undefined;
  private events: SessionEventSource | undefined;

  constructor(private readonly target: ReplayTarget) {}

  /** Reads the history up to the client's position, sending nothing. */
  async seek(start: ReplayStart): Promise<void> {
    for (;;) {
      const page = await this.readHistory();
      for (const entry of page) {
        if (!seen(entry, start)) return this.startAt(start);
        this.take(entry);
        this.historyAfter = entry.id;
      }
      if (page.length < PAGE) return this.startAt(start);
    }
  }

  /**
   * Sends what there is now after the position: stored entries in order, each after the relayed
   * notifications that preceded it, then the relay's further events so far. True if it sent.
   */
  async catchUp(): Promise<boolean> {
    let sent = false;
    for (;;) {
      const page = await this.readHistory();
      for (const entry of page) {
        if (entry.at) sent = (await this.derive(entry.at.eventId)) || sent;
        this.take(entry);
        this.historyAfter = entry.id;
        if (!entry.message) continue;
        await this.target.send(`${this.target.streamId}/${entry.id}`, entry.message);
        sent = true;
        if (isJsonRpcResponse(entry.message)) {
          this.answered = true;
          return sent;
        }
      }
      if (page.length < PAGE) break;
    }
    return (await this.derive()) || sent;
  }

  private async readHistory(): Promise<HistoryEntry[]> {
    const { redis, key, tenant } = this.target;
    const from = this.historyAfter ? `(${this.historyAfter}` : '-';
    const page = await redis.xrange(key, from, '+', 'COUNT', PAGE);
    return page.map(([id, fields]) => historyEntryOf(id, fields, tenant));
  }

  /** A relay's start, or where the relay stood when the entry was written. */
  private take(entry: HistoryEntry): void {
    if (entry.relay && !this.relay) {
      this.relay = entry.relay;
      this.relayStart = entry.at?.count ?? 0;
      this.count = Math.max(this.count, this.relayStart);
    }
    if (entry.at) this.advance(entry.at);
  }

  private startAt(start: ReplayStart): void {
    if ('relayed' in start) this.advance(start.relayed);
  }

  private advance(at: RelayPosition): void {
    if (this.through !== undefined && compareIds(at.eventId, this.through) <= 0) return;
    this.count = at.count;
    this.through = at.eventId;
  }

  /**
   * Sends the relay's notifications for the session's events up to `upTo` (what the stored entry
   * being replayed came after), or, without it, as far as the stream goes and the turn lasts.
   */
  private async derive(upTo?: string): Promise<boolean> {
    const relay = this.relay;
    if (!relay) return false;
    this.events ??= new SessionEventSource(
      new SessionEventLog(this.target.redis),
      relay.plan.sessionId,
    );
    // The last relayed event is read again (not sent): it may be the one that ended the turn.
    this.readAfter ??= this.through ? idBefore(this.through) : relay.plan.after;
    let sent = false;
    for (;;) {
      if (upTo === undefined ? this.ended : compareIds(this.readAfter, upTo) >= 0) return sent;
      const { items } = await this.events.read(this.readAfter, PAGE);
      for (const event of items) {
        if (upTo === undefined ? this.ended : compareIds(event.id, upTo) > 0) return sent;
        this.readAfter = event.id;
        if (this.isNew(event) && relaysEvent(relay.plan, event)) {
          await this.sendRelayed(relay, event);
          sent = true;
        }
        if (turnRelayEnd(relay.plan, event)) this.ended = true;
      }
      if (items.length < PAGE) return sent;
    }
  }

  private isNew(event: SessionEvent): boolean {
    return this.through === undefined || compareIds(event.id, this.through) > 0;
  }

  private async sendRelayed(relay: StoredRelay, event: SessionEvent): Promise<void> {
    this.count += 1;
    this.through = event.id;
    const progress = relay.sentBefore + this.count - this.relayStart;
    const id = `${this.target.streamId}/${formatPosition({ count: this.count, eventId: event.id })}`;
    await this.target.send(
      id,
      progressNotification(relay.progressToken, progress, JSON.stringify(event)),
    );
  }
}

/** Whether the client had this entry: it came before (or is) the position it resumes from. */
function seen(entry: HistoryEntry, start: ReplayStart): boolean {
  if ('entryId' in start) return compareIds(entry.id, start.entryId) <= 0;
  // Written after `count` relayed notifications: after the client's last one if that is it.
  return (entry.at?.count ?? 0) < start.relayed.count;
}
