import { Logger } from '@nestjs/common';
import type { RedisClient } from '@app/redis';
import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';
import { keys } from '@app/contracts';
import { followStream, POLLING, type FollowSource } from '@app/stream';
import { isJsonRpcResponse } from './json-rpc';
import {
  MCP_STREAM_FOLLOW_IDLE_MS,
  MCP_STREAM_FOLLOW_POLL_MS,
  MCP_STREAM_TTL_SECONDS,
} from './limits';
import { sseHistoryWriter, type SseHistoryWriter } from './sse-history-writer';

/** One stored SSE message: its entry id and the entry's [field, value, ...] list. */
interface HistoryEntry {
  id: string;
  fields: string[];
}

/** The SDK's id for the standalone GET stream; every other stream id answers one POST's requests. */
const STANDALONE_STREAM_ID = '_GET_stream';
const STREAM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ENTRY_ID = /^\d+-\d+$/;
const REPLAY_PAGE = 500;

/** Whose SSE history an event store instance may write and replay. */
export interface EventStoreScope {
  mcpSessionId: string;
  tenant: string;
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
 * Event ids are `<streamId>/<redis entry id>`: the stream is found from the id alone.
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
    const key = this.keyOf(streamId);
    const entryId = this.nextEntryId();
    const first = !this.expiring.has(key);
    if (first) this.expiring.add(key);
    this.writer.add(
      {
        key,
        entryId,
        fields: ['t', this.scope.tenant, ...entryFieldsOf(message)],
        expireSeconds: first ? MCP_STREAM_TTL_SECONDS : undefined,
      },
      first || isJsonRpcResponse(message),
    );
    return formatEventId(streamId, entryId);
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
    const source = this.historyOf(streamId);
    const deliver = async ({ id, fields }: HistoryEntry): Promise<boolean> => {
      const message = this.messageOf(fields);
      if (message) await send(formatEventId(streamId, id), message);
      return message !== undefined && isJsonRpcResponse(message);
    };
    let cursor = parsed.entryId;
    let answered = false;
    for (;;) {
      const { items } = await source.read(cursor, REPLAY_PAGE);
      for (const entry of items) {
        cursor = entry.id;
        answered = (await deliver(entry)) || answered;
      }
      if (items.length < REPLAY_PAGE) break;
    }
    if (answered) this.completeAfterHandOut();
    else if (streamId !== STANDALONE_STREAM_ID) this.follow(source, cursor, deliver);
    return streamId;
  }

  /** The stored messages of one SSE stream, read in pages. */
  private historyOf(streamId: StreamId): FollowSource<HistoryEntry> {
    const key = this.keyOf(streamId);
    return {
      read: async (after, limit) => {
        const page = await this.redis.xrange(key, after ? `(${after}` : '-', '+', 'COUNT', limit);
        return { items: page.map(([id, fields]) => ({ id, fields })) };
      },
    };
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
   * its messages here: keep relaying them to the resumed response until the call's response, or
   * until the stream has been idle too long. Nothing notifies SSE history writes, so the follow
   * polls: resuming a stream mid-call on another replica is rare, and a poll costs one XRANGE.
   */
  private follow(
    source: FollowSource<HistoryEntry>,
    after: string,
    deliver: (entry: HistoryEntry) => Promise<boolean>,
  ): void {
    const { closed, onStreamComplete } = this.scope;
    if (!closed) return;
    const over = new AbortController();
    const idle = setTimeout(
      () => over.abort(),
      this.scope.followIdleMs ?? MCP_STREAM_FOLLOW_IDLE_MS,
    );
    const onItem = async (entry: HistoryEntry): Promise<void> => {
      idle.refresh();
      if (await deliver(entry)) over.abort();
    };
    followStream(source, POLLING, after, onItem, AbortSignal.any([closed, over.signal]), {
      pageSize: REPLAY_PAGE,
      recheckMs: MCP_STREAM_FOLLOW_POLL_MS,
      retryMinMs: MCP_STREAM_FOLLOW_POLL_MS,
      onError: (error) => this.log.warn(`reading SSE history to follow: ${error.message}`),
    })
      .catch((error: unknown) => this.log.warn(`stopped following an SSE stream: ${String(error)}`))
      .finally(() => {
        clearTimeout(idle);
        if (!closed.aborted) onStreamComplete?.();
      });
  }

  /** The stored message, unless it belongs to another tenant or is the SDK's empty priming event. */
  private messageOf(fields: string[]): JSONRPCMessage | undefined {
    const entry = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) entry.set(fields[i], fields[i + 1]);
    if (entry.get('t') !== this.scope.tenant) return undefined;
    try {
      if (entry.has('e')) return progressOf(entry);
      const message = JSON.parse(entry.get('m') ?? 'null') as { jsonrpc?: unknown } | null;
      return message?.jsonrpc === '2.0' ? (message as JSONRPCMessage) : undefined;
    } catch {
      return undefined;
    }
  }

  private keyOf(streamId: StreamId): string {
    return keys.mcpStream(this.scope.mcpSessionId, streamId);
  }
}

/**
 * How a message is stored: a progress notification as its parts (token, count, and its message
 * text as it is), since stringifying the whole notification again (escaping the event JSON inside
 * it) was the gateway's largest cost per message after the socket writes; anything else as JSON.
 */
function entryFieldsOf(message: JSONRPCMessage): string[] {
  if (!('method' in message) || message.method !== 'notifications/progress') {
    return ['m', JSON.stringify(message)];
  }
  const { progressToken, progress, message: text, ...rest } = message.params ?? {};
  const plain =
    (typeof progressToken === 'string' || typeof progressToken === 'number') &&
    typeof progress === 'number' &&
    typeof text === 'string' &&
    Object.keys(rest).length === 0;
  if (!plain) return ['m', JSON.stringify(message)];
  return ['k', JSON.stringify(progressToken), 'n', String(progress), 'e', text];
}

/** A progress notification stored as its parts, rebuilt with the same keys in the same order. */
function progressOf(entry: Map<string, string>): JSONRPCMessage | undefined {
  const progressToken = JSON.parse(entry.get('k') ?? 'null') as unknown;
  const progress = Number(entry.get('n'));
  if (typeof progressToken !== 'string' && typeof progressToken !== 'number') return undefined;
  if (!Number.isFinite(progress)) return undefined;
  return {
    jsonrpc: '2.0',
    method: 'notifications/progress',
    params: { progressToken, progress, message: entry.get('e') },
  };
}

export function formatEventId(streamId: StreamId, entryId: string): EventId {
  return `${streamId}/${entryId}`;
}

export function parseEventId(
  eventId: EventId,
): { streamId: StreamId; entryId: string } | undefined {
  const slash = eventId.lastIndexOf('/');
  const streamId = eventId.slice(0, slash);
  const entryId = eventId.slice(slash + 1);
  if (slash < 0 || !STREAM_ID.test(streamId) || !ENTRY_ID.test(entryId)) return undefined;
  return { streamId, entryId };
}
