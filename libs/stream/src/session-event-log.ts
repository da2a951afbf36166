import { channelOf, channels, keys, type NewSessionEvent, type SessionEvent } from '@app/contracts';
import type { RedisClient } from '@app/redis';
import {
  assertCursor,
  idParts,
  encodeEvent,
  pushEventArgs,
  START_CURSOR,
  type EncodedEvent,
  type StreamEntry,
} from './codec';
import { AppendPipeline } from './append-pipeline';
import { decodeEntry } from './entry-decoder';
import { MissingBatchError, UnexpectedScriptReplyError } from './errors';
import { defineStreamScripts, type AppendReply, type StreamScripts } from './scripts';

export const DEFAULT_MAX_LEN = 10_000;
/** Batches with up to this much data ride along in the notification (see scripts.ts). */
export const DEFAULT_INLINE_NOTIFY_BYTES = 64 * 1024;
/** Upper bound for one read: a page must stay a quick command, not a multi-MB reply. */
export const MAX_READ_LIMIT = 10_000;
/** Entries per XREVRANGE when reading a turn backwards. */
const TURN_PAGE = 200;

export interface SessionEventLogOptions {
  /** Approximate cap per session stream (XADD MAXLEN ~): older events are trimmed. */
  maxLen?: number;
  /**
   * Data bytes up to which a batch is sent inside its pub/sub notification, sparing caught-up
   * followers a read; larger batches notify with the last id only. 0 = never inline.
   */
  inlineNotifyBytes?: number;
  /** How long writers' appends are gathered into one pipeline (see AppendPipeline); 0 default. */
  appendLingerMs?: number;
}

export interface ReadOptions {
  /** Exclusive cursor: an event id from an earlier read; omitted = from the oldest event. */
  after?: string;
  limit: number;
}

export interface EventPage {
  events: SessionEvent[];
  /** Cursor for the next read: the last event's id, or the given cursor when nothing came. */
  next: string;
  /**
   * True when events after the cursor were trimmed (MAXLEN) before they were read: `events`
   * starts at the oldest retained event and the ones in between are gone for good. Exact for
   * cursors that are event ids of this stream (their seq part is the event's seq).
   */
  truncated: boolean;
}

/** One append call of an EventWriter: its number orders it among the writer's calls. */
export interface WriterBatch {
  number: number;
  events: readonly EncodedEvent[];
}

/**
 * The one seam for session event streams: appends (seq numbering, trimming and the relay's
 * wake-up in one atomic script) and cursor reads, on a normal (non-subscriber) connection.
 */
export class SessionEventLog {
  readonly maxLen: number;
  private readonly inlineNotifyBytes: number;
  private readonly scripts: StreamScripts;
  /** The writers' appends, sent together (see AppendPipeline). */
  private readonly writes: AppendPipeline;

  constructor(
    private readonly redis: RedisClient,
    options: SessionEventLogOptions = {},
  ) {
    this.maxLen = options.maxLen ?? DEFAULT_MAX_LEN;
    if (!Number.isSafeInteger(this.maxLen) || this.maxLen < 1) {
      throw new RangeError(`maxLen must be a positive integer, got ${options.maxLen}`);
    }
    this.inlineNotifyBytes = options.inlineNotifyBytes ?? DEFAULT_INLINE_NOTIFY_BYTES;
    this.scripts = defineStreamScripts(redis);
    this.writes = new AppendPipeline(redis, this.scripts, options.appendLingerMs ?? 0);
  }

  /** Appends a batch atomically: contiguous seq numbers, one notification for the batch. */
  async append(sessionId: string, events: readonly NewSessionEvent[]): Promise<SessionEvent[]> {
    if (events.length === 0) return [];
    const now = Date.now();
    const encoded = events.map((e) => encodeEvent(e, now));
    const reply = await this.scripts.append(
      keys.session(sessionId),
      keys.events(sessionId),
      this.appendArgs(sessionId, '', 0, encoded),
    );
    const ids = appendedIds(reply, encoded.length);
    if (!ids) throw new UnexpectedScriptReplyError('append', reply);
    const firstSeq = Number(reply[0]) - encoded.length + 1;
    return encoded.map((e, i) => ({
      id: ids[i],
      seq: firstSeq + i,
      turn: e.turn,
      kind: e.kind,
      ts: e.ts,
      data: JSON.parse(e.json) as unknown,
    }));
  }

  /**
   * Writer path: the batches go out back to back without waiting for answers (pipelined, with
   * other writers' while a pipeline is on its way; Redis runs them in order on the one connection). `mark` (a field of the session hash) records the
   * writer's last applied batch, so resending after an unanswered call never appends twice.
   * Resolves once every batch is in Redis; rejects if any is not (then resend them all).
   */
  async appendBatches(
    sessionId: string,
    mark: string,
    batches: readonly WriterBatch[],
  ): Promise<void> {
    const session = keys.session(sessionId);
    const events = keys.events(sessionId);
    const replies = await Promise.allSettled(
      batches.map((batch) =>
        this.writes.append(
          session,
          events,
          this.appendArgs(sessionId, mark, batch.number, batch.events),
        ),
      ),
    );
    replies.forEach((reply, i) => {
      if (reply.status === 'rejected') throw reply.reason;
      const outcome = batchOutcome(reply.value, batches[i].events.length);
      if (outcome === 'gap') throw new MissingBatchError(sessionId, batches[i].number);
    });
  }

  /** Drops a closed writer's dedup mark from the session hash. */
  async forgetWriter(sessionId: string, mark: string): Promise<void> {
    await this.redis.hdel(keys.session(sessionId), mark);
  }

  /**
   * The events after the cursor (exclusive), oldest first, at most `limit`. Ids are
   * "<ms>-<seq>", so the cursor tells which seq must come next: a higher first seq means the
   * events in between were trimmed (`truncated`).
   */
  async read(sessionId: string, options: ReadOptions): Promise<EventPage> {
    const after = options.after ?? START_CURSOR;
    assertCursor(after);
    assertLimit(options.limit);
    const start = after === START_CURSOR ? '-' : `(${after}`;
    const entries = (await this.redis.xrange(
      keys.events(sessionId),
      start,
      '+',
      'COUNT',
      options.limit,
    )) as StreamEntry[];
    const events = entries.map(decodeEntry);
    const first = events[0];
    const truncated = first !== undefined && first.seq > idParts(after).seq + 1;
    return { events, next: events.at(-1)?.id ?? after, truncated };
  }

  /**
   * The retained events of one turn, oldest first, read backwards from the newest event (a turn
   * costs what it holds, however long the stream): its newest `max` at most.
   */
  async turnEvents(sessionId: string, turn: number, max = 10_000): Promise<SessionEvent[]> {
    const found: SessionEvent[] = [];
    let end = '+';
    while (found.length < max) {
      const entries = (await this.redis.xrevrange(
        keys.events(sessionId),
        end,
        '-',
        'COUNT',
        TURN_PAGE,
      )) as StreamEntry[];
      for (const entry of entries) {
        const event = decodeEntry(entry);
        if (event.turn < turn || found.length === max) return found.reverse();
        if (event.turn === turn) found.push(event);
      }
      if (entries.length < TURN_PAGE) break;
      end = `(${entries[entries.length - 1][0]}`;
    }
    return found.reverse();
  }

  /** The session's notification channel, as this connection publishes and subscribes it. */
  notifyChannel(sessionId: string): string {
    return channelOf(this.redis, channels.events(sessionId));
  }

  /** Where the stream stands: its newest id ('0-0' when empty) and the last seq handed out. */
  async position(sessionId: string): Promise<{ lastId: string; lastSeq: number }> {
    const [lastId, seq] = await Promise.all([
      this.lastId(sessionId),
      this.redis.hget(keys.session(sessionId), 'eventSeq'),
    ]);
    return { lastId: lastId ?? START_CURSOR, lastSeq: Number(seq ?? 0) };
  }

  /** The newest event's id (a cursor for "only what comes from now on"), if any. */
  async lastId(sessionId: string): Promise<string | undefined> {
    return (await this.scripts.lastId(keys.events(sessionId))) ?? undefined;
  }

  private appendArgs(
    sessionId: string,
    mark: string,
    batchNumber: number,
    events: readonly EncodedEvent[],
  ): string[] {
    const args = [
      String(this.maxLen),
      this.notifyChannel(sessionId),
      mark,
      String(batchNumber),
      String(this.inlineNotifyBytes),
    ];
    return pushEventArgs(args, events);
  }
}

function appendedIds(reply: AppendReply, count: number): string[] | undefined {
  if (!Array.isArray(reply) || reply.length !== count + 1 || typeof reply[0] !== 'number') {
    return undefined;
  }
  const ids = reply.slice(1);
  return ids.every((id): id is string => typeof id === 'string') ? ids : undefined;
}

function batchOutcome(reply: AppendReply, count: number): 'appended' | 'duplicate' | 'gap' {
  if (Array.isArray(reply) && reply.length === 1 && reply[0] === 0) return 'duplicate';
  if (Array.isArray(reply) && reply.length === 1 && reply[0] === -1) return 'gap';
  if (appendedIds(reply, count)) return 'appended';
  throw new UnexpectedScriptReplyError('append', reply);
}

function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_READ_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_READ_LIMIT}, got ${limit}`);
  }
}
