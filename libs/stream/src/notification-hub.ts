import type { RedisClient } from '@app/redis';
import { Watch, type WatchOptions } from './watch';

interface ChannelState {
  watches: Set<Watch>;
  /** Settles when Redis confirmed the SUBSCRIBE: only then is a read race-free. */
  subscribed: Promise<unknown>;
}

/**
 * Fans one pub/sub connection out to any number of waiters: SUBSCRIBE on a channel's first
 * watch, UNSUBSCRIBE when its last watch closes. ioredis re-subscribes after a reconnect; since
 * messages published while disconnected are gone, every watch is then woken to re-read.
 */
export class NotificationHub {
  private readonly channels = new Map<string, ChannelState>();
  private disconnected = false;

  constructor(private readonly subscriber: RedisClient) {
    subscriber.on('message', this.onMessage);
    subscriber.on('close', this.onClose);
    subscriber.on('ready', this.onReady);
  }

  /** Resolves once the subscription is active; close() the watch when done waiting. */
  async watch(channel: string, options?: WatchOptions): Promise<Watch> {
    let state = this.channels.get(channel);
    if (!state) {
      state = { watches: new Set(), subscribed: this.subscriber.subscribe(channel) };
      this.channels.set(channel, state);
    }
    const owner = state;
    const watch = new Watch((w) => this.release(channel, owner, w), options);
    owner.watches.add(watch);
    try {
      await owner.subscribed;
    } catch (error) {
      watch.close();
      throw error;
    }
    return watch;
  }

  /** Channels with at least one watch (what this connection is subscribed to). */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Wakes every watch (their waits return) and stops listening; the connection is the caller's. */
  close(): void {
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('close', this.onClose);
    this.subscriber.off('ready', this.onReady);
    this.wakeAll();
  }

  private release(channel: string, state: ChannelState, watch: Watch): void {
    state.watches.delete(watch);
    if (state.watches.size > 0 || this.channels.get(channel) !== state) return;
    this.channels.delete(channel);
    // Ordered on the one connection, so a later SUBSCRIBE for the channel still wins.
    this.subscriber.unsubscribe(channel).catch(() => undefined);
  }

  private readonly onMessage = (channel: string, message: string): void => {
    this.channels.get(channel)?.watches.forEach((w) => w.notify(message));
  };

  private readonly onClose = (): void => {
    this.disconnected = true;
  };

  private readonly onReady = (): void => {
    if (!this.disconnected) return;
    this.disconnected = false;
    // ioredis has just queued the re-SUBSCRIBEs; a PING answered after them means they are active.
    this.subscriber.ping().then(
      () => this.wakeAll(),
      () => undefined, // disconnected again: the next 'ready' retries
    );
  };

  private wakeAll(): void {
    for (const state of this.channels.values()) state.watches.forEach((w) => w.notify());
  }
}
