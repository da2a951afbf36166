import { Logger } from '@nestjs/common';
import { groupByHashTag, isCluster, type RedisClient } from '@app/redis';
import { MCP_STREAM_MAXLEN } from './limits';

/**
 * How long a progress message may wait for others to share its Redis write. Measured at 2,000
 * messages/s over 100 streams: 5 ms saves ~20 % of the gateway's store cost, 20 ms ~40 %, 50 ms
 * (every stream's own pace) ~60 %; this is how late another replica's replay may see one.
 */
export const SSE_HISTORY_BATCH_MS = 20;
/** A batch this large goes out at once. */
const MAX_BATCH = 500;

interface HistoryEntry {
  key: string;
  entryId: string;
  fields: string[];
  expireSeconds?: number;
}

/**
 * Writes the SSE history (the entries Last-Event-ID replays) of every MCP request of one process
 * to Redis, in batches some milliseconds wide. Storing a message is off the live path (the
 * client gets it before Redis does), but one write per message costs a Redis command, a socket
 * write and a wake-up of Redis and of this process each time: with many streams at once, that
 * was a good part of the gateway's CPU per message.
 *
 * Entries go out in the order they were added (one connection, so Redis applies them in that
 * order). `urgent` entries (a stream's first, a call's response) go out at once with everything
 * before them, so that a stream is visible on every replica as soon as its client can hold an id
 * of it, and a finished call's history is complete when the client sees the response.
 */
export class SseHistoryWriter {
  private readonly log = new Logger('SseHistoryWriter');
  private batch: HistoryEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly batchMs = SSE_HISTORY_BATCH_MS,
  ) {}

  add(entry: HistoryEntry, urgent: boolean): void {
    this.batch.push(entry);
    if (urgent || this.batch.length >= MAX_BATCH || this.batchMs <= 0) this.send();
    else this.timer ??= setTimeout(() => this.send(), this.batchMs);
  }

  /** Resolves once every entry added so far has been written (or its failure logged). */
  async flush(): Promise<void> {
    this.send();
    await Promise.all(this.sending);
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const sent = this.write(this.batch);
    this.batch = [];
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
  }

  /**
   * One pipeline for the whole batch: one socket write, one reply to wake up for. On a Redis
   * Cluster a pipeline must stay on one node, so there it is one per MCP session (hash tag).
   */
  private async write(batch: HistoryEntry[]): Promise<void> {
    if (!isCluster(this.redis)) return this.writePipeline(batch);
    await Promise.all(groupByHashTag(batch, (e) => e.key).map((g) => this.writePipeline(g)));
  }

  private async writePipeline(batch: HistoryEntry[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    const replyOf: number[] = [];
    for (const { key, entryId, fields, expireSeconds } of batch) {
      replyOf.push(pipeline.length);
      pipeline.xadd(key, 'MAXLEN', '~', MCP_STREAM_MAXLEN, entryId, ...fields);
      if (expireSeconds !== undefined) pipeline.expire(key, expireSeconds);
    }
    let replies: Array<[Error | null, unknown]>;
    try {
      replies = (await pipeline.exec()) ?? [];
    } catch (error) {
      return this.lost(`${batch.length} entries`, error);
    }
    const retries = batch.map(async (entry, i) => {
      const error = replies[replyOf[i]]?.[0];
      if (!error) return;
      // Another writer got ahead on this stream (a resumed stream): store it after theirs; the
      // id the client holds still works as a replay cursor.
      if (!/equal or smaller/.test(error.message)) return this.lost(entry.key, error);
      await this.redis
        .xadd(entry.key, 'MAXLEN', '~', MCP_STREAM_MAXLEN, '*', ...entry.fields)
        .catch((retryError: unknown) => this.lost(entry.key, retryError));
    });
    await Promise.all(retries);
  }

  private lost(what: string, error: unknown): void {
    this.log.warn(`could not store SSE history for replay (${what}): ${String(error)}`);
  }
}

const writers = new WeakMap<RedisClient, SseHistoryWriter>();

/** The process' writer for this Redis client: every request's event store shares its batches. */
export function sseHistoryWriter(redis: RedisClient): SseHistoryWriter {
  let writer = writers.get(redis);
  if (!writer) writers.set(redis, (writer = new SseHistoryWriter(redis)));
  return writer;
}
