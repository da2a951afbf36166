import { connectionNameOf, duplicateConnection, type RedisClient } from '@app/redis';
import {
  channelOf,
  channels,
  ControlMessageSchema,
  type ControlAction,
  type ControlMessage,
} from '@app/contracts';

/** What the worker holding a session does with a control request. */
export type ControlHandler = (sessionId: string, action: ControlAction) => Promise<void>;

export interface SessionControlOptions {
  /** Names the subscriber connection in CLIENT LIST (default: the command connection's + `-control`). */
  subscriberName?: string;
  /** Subscriber connection errors, malformed messages and failing handlers. */
  onError?: (error: Error, sessionId?: string) => void;
}

/**
 * Interrupt, terminate and release requests for the worker that holds a session's CLI, wherever
 * it runs: anyone sends on the session's control channel (Redis pub/sub); the holding worker
 * subscribes to the channels of the sessions it holds, on one connection whatever their number.
 * A request for a session nobody holds reaches nobody, which is right: no process to stop.
 */
export class SessionControl {
  /** Subscribed channel → session id. */
  private readonly subscribed = new Map<string, string>();
  private subscriber?: RedisClient;
  private handler?: ControlHandler;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: SessionControlOptions = {},
  ) {}

  async send(sessionId: string, action: ControlAction): Promise<void> {
    const message: ControlMessage = { action, at: Date.now() };
    await this.redis.publish(this.channel(sessionId), JSON.stringify(message));
  }

  /** Where this process's subscribed requests go (the worker's turn runner). */
  handle(handler: ControlHandler): void {
    this.handler = handler;
  }

  /** Starts receiving the session's requests; resolves once Redis confirmed the subscription. */
  async subscribe(sessionId: string): Promise<void> {
    const channel = this.channel(sessionId);
    if (this.subscribed.has(channel)) return;
    this.subscribed.set(channel, sessionId);
    await this.connection().subscribe(channel);
  }

  async unsubscribe(sessionId: string): Promise<void> {
    const channel = this.channel(sessionId);
    if (!this.subscribed.delete(channel)) return;
    await this.subscriber?.unsubscribe(channel);
  }

  /** Drops the subscriber connection (nothing to flush on it). */
  close(): void {
    this.subscribed.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  private connection(): RedisClient {
    if (this.subscriber) return this.subscriber;
    const name =
      this.options.subscriberName ?? `${connectionNameOf(this.redis) ?? 'redis'}-control`;
    const subscriber = duplicateConnection(this.redis, name);
    subscriber.on('error', (error: Error) => this.report(error));
    subscriber.on('message', (channel: string, text: string) => void this.dispatch(channel, text));
    this.subscriber = subscriber;
    return subscriber;
  }

  private async dispatch(channel: string, text: string): Promise<void> {
    const sessionId = this.subscribed.get(channel);
    if (!sessionId || !this.handler) return;
    const parsed = ControlMessageSchema.safeParse(parseJson(text));
    if (!parsed.success) {
      this.report(new Error('ignored a malformed control message'), sessionId);
      return;
    }
    try {
      await this.handler(sessionId, parsed.data.action);
    } catch (error) {
      this.report(error instanceof Error ? error : new Error(String(error)), sessionId);
    }
  }

  private channel(sessionId: string): string {
    return channelOf(this.redis, channels.control(sessionId));
  }

  private report(error: Error, sessionId?: string): void {
    this.options.onError?.(error, sessionId);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
