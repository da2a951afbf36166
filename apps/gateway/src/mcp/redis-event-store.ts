import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { RedisClient } from '@app/redis';
import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';
import { keys } from '@app/contracts';
import {
  MCP_STREAM_FOLLOW_IDLE_MS,
  MCP_STREAM_FOLLOW_POLL_MS,
  MCP_STREAM_TTL_SECONDS,
} from './limits';
import { parsePosition, type RelayPosition, type StoredRelay } from './relayed-progress';
import { messageFields, positionFields, relayFields } from './sse-history';
import { sseHistoryWriter, type SseHistoryWriter } from './sse-history-writer';
import { StreamReplay, type ReplayStart } from './stream-replay';

/** The SDK's id for the standalone GET stream; every other stream id answers one POST's requests. */
const STANDALONE_STREAM_ID = '_GET_stream';
const STREAM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ENTRY_ID = /^\d+-\d+$/;
const FOLLOW_RETRY_MAX_MS = 2_000;

/** The response stream an event store writes for (ResponseStream): told of each message. */
export interface LiveStream {
  /** The SDK stores a message of `streamId`; returns where the stream's relay stands. */
  announce(streamId: string): string | undefined;
}

/** Whose SSE history an event store instance may write and replay. */
export interface EventStoreScope {
  mcpSessionId: string;
  tenant: string;
  /** The live response this store records (2025 MCP sessions' POSTs), if any. */
  live?: LiveStream;
  /**
   * Aborted when the HTTP response a replay writes to is gone. Given only on resuming requests:
   * it lets the replay keep following a stream that another replica is still writing.
   */
  closed?: AbortSignal;
  /** Called when a followed stream has delivered its response or gone idle: end the HTTP response. */
  onStreamComplete?: () => void;
  followIdleMs?: number;
}

/**
 * The SDK's EventStore over Redis streams, one per (MCP session, SSE stream), so a client can
 * resume with Last-Event-ID on any replica. An instance is bound to one MCP session and tenant:
 * an event id from another session names a stream this scope cannot see, and entries written for
 * another tenant are skipped, so a replay never crosses either boundary.
 *
 * Event ids are `<streamId>/<redis entry id>` for stored messages and `<streamId>/<n>.<session
 * event id>` for the nth notification of a relayed turn, which is derived, not stored (see
 * relayed-progress.ts): the stream is found from the id alone.
 */
export class RedisEventStore implements EventStore {
  private readonly log = new Logger('RedisEventStore');
  private lastId = { ms: 0, seq: 0 };
  private readonly expiring = new Set<string>();
  private readonly writer: SseHistoryWriter;

  constructor(
    private readonly redis: RedisClient,
    private readonly scope: EventStoreScope,
  ) {
    this.writer = sseHistoryWriter(redis);
  }

  /**
   * Stores a message for replay without making the live stream wait for Redis: the entry id is
   * chosen here (monotonic per instance, and each stream has one writer: the transport of the
   * request that opened it), and the write goes out with the process' next history batch (see
   * SseHistoryWriter), in order. A write that fails is logged; the live client already has the
   * message, only a later replay would miss it.
   */
  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const at = this.scope.live?.announce(streamId);
    const fields = [...messageFields(message), ...positionFields(at)];
    // Only a tool's own progress waits for a batch: a response completes the history, and a
    // request to the client is placed among relayed events that a replay derives meanwhile.
    const entryId = this.store(streamId, fields, !isProgress(message));
    return formatEventId(streamId, entryId);
  }

  /**
   * Records the start of a relayed turn (once per call): from it any replica derives the relay's
   * notifications. Written at once, before the relay's first notification can reach a client.
   */
  storeRelay(streamId: StreamId, relay: StoredRelay, at: string | undefined): void {
    this.store(streamId, [...relayFields(relay), ...positionFields(at)], true);
  }

  private store(streamId: StreamId, fields: string[], urgent: boolean): string {
    const key = this.keyOf(streamId);
    const entryId = this.nextEntryId();
    const first = !this.expiring.has(key);
    if (first) this.expiring.add(key);
    this.writer.add(
      {
        key,
        entryId,
        fields: ['t', this.scope.tenant, ...fields],
        expireSeconds: first ? MCP_STREAM_TTL_SECONDS : undefined,
      },
      first || urgent,
    );
    return entryId;
  }

  /** Resolves once every message this process stored so far is in Redis. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  private nextEntryId(): string {
    const now = Date.now();
    if (now > this.lastId.ms) this.lastId = { ms: now, seq: 0 };
    else this.lastId.seq += 1;
    return `${this.lastId.ms}-${this.lastId.seq}`;
  }

  /** Undefined (the SDK answers 400) for a malformed id or a stream this scope does not have. */
  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    const parsed = parseEventId(eventId);
    if (!parsed) return undefined;
    await this.writer.flush(); // a stream of this process may still be in a batch
    const exists = await this.redis.exists(this.keyOf(parsed.streamId));
    return exists ? parsed.streamId : undefined;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const parsed = parseEventId(lastEventId);
    if (!parsed)
      throw new Error(
        `Last-Event-ID ${JSON.stringify(lastEventId)} is not an event id this server issued`,
      );
    const { streamId } = parsed;
    await this.writer.flush();
    const replay = new StreamReplay({
      redis: this.redis,
      key: this.keyOf(streamId),
      tenant: this.scope.tenant,
      streamId,
      send,
    });
    await replay.seek(parsed.start);
    await replay.catchUp();
    if (replay.answered) this.completeAfterHandOut();
    else if (streamId !== STANDALONE_STREAM_ID) this.follow(replay);
    return streamId;
  }

  /**
   * The replay already holds the call's response, so the resumed response can end; but only once
   * the SDK has handed it out (closing its transport before that turns the replay into a 404).
   */
  private completeAfterHandOut(): void {
    const { closed, onStreamComplete } = this.scope;
    if (!closed || !onStreamComplete) return;
    setImmediate(() => {
      if (!closed.aborted) onStreamComplete();
    });
  }

  /**
   * The call behind this stream may still run on another replica, whose transport keeps storing
   * its messages here and whose turn keeps adding events to the session's stream: keep relaying
   * both to the resumed response until the call's response, or until the stream has been idle too
   * long. Nothing notifies SSE history writes, so the follow polls: resuming a stream mid-call on
   * another replica is rare, and a poll costs an XRANGE or two.
   */
  private follow(replay: StreamReplay): void {
    const { closed, onStreamComplete } = this.scope;
    if (!closed) return;
    const over = new AbortController();
    const stop = AbortSignal.any([closed, over.signal]);
    const idle = setTimeout(
      () => over.abort(),
      this.scope.followIdleMs ?? MCP_STREAM_FOLLOW_IDLE_MS,
    );
    const poll = async (): Promise<void> => {
      let waitMs = MCP_STREAM_FOLLOW_POLL_MS;
      while (!stop.aborted && !replay.answered) {
        await sleep(waitMs, undefined, { signal: stop }).catch(() => undefined);
        if (stop.aborted) return;
        try {
          if (await replay.catchUp()) idle.refresh();
          waitMs = MCP_STREAM_FOLLOW_POLL_MS;
        } catch (error) {
          this.log.warn(`reading SSE history to follow: ${String(error)}`);
          waitMs = Math.min(waitMs * 2, FOLLOW_RETRY_MAX_MS);
        }
      }
    };
    void poll().finally(() => {
      clearTimeout(idle);
      if (!closed.aborted) onStreamComplete?.();
    });
  }

  private keyOf(streamId: StreamId): string {
    return keys.mcpStream(this.scope.mcpSessionId, streamId);
  }
}

function isProgress(message: JSONRPCMessage): boolean {
  return 'method' in message && message.method === 'notifications/progress';
}

export function formatEventId(streamId: StreamId, entryId: string): EventId {
  return `${streamId}/${entryId}`;
}

/** A stored message's id (`entryId`) or a relayed notification's (`relayed`), with its stream. */
export function parseEventId(
  eventId: EventId,
):
  | { streamId: StreamId; entryId?: string; relayed?: RelayPosition; start: ReplayStart }
  | undefined {
  const slash = eventId.lastIndexOf('/');
  const streamId = eventId.slice(0, slash);
  const tail = eventId.slice(slash + 1);
  if (slash < 0 || !STREAM_ID.test(streamId)) return undefined;
  if (ENTRY_ID.test(tail)) return { streamId, entryId: tail, start: { entryId: tail } };
  const relayed = parsePosition(tail);
  return relayed ? { streamId, relayed, start: { relayed } } : undefined;
}
