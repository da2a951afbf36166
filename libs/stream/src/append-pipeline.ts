import { isCluster, type RedisClient } from '@app/redis';
import type { AppendReply, StreamScripts } from './scripts';

interface Call {
  session: string;
  events: string;
  args: string[];
  resolve(reply: AppendReply): void;
  reject(error: unknown): void;
}

/** The append script as a pipeline (or client) method: defineCommand adds it to both. */
interface AppendCommand {
  csbStreamAppend(session: string, events: string, ...args: string[]): unknown;
}

/**
 * Sends the append calls of all of a process's event writers (one per live session) that come up
 * in one turn of the event loop together, in one pipeline: one socket write (on loopback, the
 * write also pays for Redis' receive), one reply to read, and Redis reads, answers and publishes
 * them in one go, so the gateway's subscriber wakes once for them too. Nothing waits on a timer
 * or on an earlier reply: a worker that reads one CLI line per wake-up sends it as before, and
 * one that reads many (many sessions, a busy loop) sends them together.
 *
 * ioredis' own auto-pipelining (on for this connection) gathers only the commands of one
 * synchronous run (it flushes on process.nextTick); each CLI's stdout arrives in an I/O callback
 * of its own, so it would send one pipeline per session. This gathers them over one turn of
 * the event loop (setImmediate) instead.
 *
 * Calls keep their order (one connection, sent in queue order). On a Redis Cluster a pipeline
 * must stay within one hash slot, so there each call goes out on its own, as before.
 */
export class AppendPipeline {
  private queue: Call[] = [];
  private scheduled = false;
  private readonly batching: boolean;

  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: StreamScripts,
    /** 0: gather one turn of the event loop; more: this many ms from the first call queued. */
    private readonly lingerMs = 0,
  ) {
    this.batching = !isCluster(redis);
  }

  append(session: string, events: string, args: string[]): Promise<AppendReply> {
    if (!this.batching) return this.scripts.append(session, events, args);
    return new Promise((resolve, reject) => {
      this.queue.push({ session, events, args, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After this turn's I/O callbacks: the lines read in it are all queued by then.
      if (this.lingerMs > 0) setTimeout(() => this.send(), this.lingerMs);
      else setImmediate(() => this.send());
    });
  }

  private send(): void {
    const calls = this.queue;
    this.queue = [];
    this.scheduled = false;
    void this.sendNow(calls);
  }

  private async sendNow(calls: Call[]): Promise<void> {
    if (calls.length === 1) {
      const [call] = calls;
      await this.scripts
        .append(call.session, call.events, call.args)
        .then(call.resolve, call.reject);
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const c of calls) {
      (pipeline as unknown as AppendCommand).csbStreamAppend(c.session, c.events, ...c.args);
    }
    try {
      const replies = (await pipeline.exec()) ?? [];
      calls.forEach((call, i) => {
        const [error, reply] = replies[i] ?? [new Error('no reply in the pipeline'), undefined];
        if (error) call.reject(error);
        else call.resolve(reply as AppendReply);
      });
    } catch (error) {
      for (const call of calls) call.reject(error);
    }
  }
}
