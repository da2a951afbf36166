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
 * Interrupt, terminate, release and answered requests for the worker that holds a session's CLI,
 * wherever it runs: anyone publishes the request, naming the session, on the deployment's one
 * control channel (Redis pub/sub); every worker listens on it and acts on the requests for the
 * sessions it holds. One channel rather than one per session: requests are rare (a client's
 * interrupt, a hand-over), while a channel per held session cost a SUBSCRIBE and an UNSUBSCRIBE
 * round trip each time a worker took and let go of a session, and a subscription per live
 * session in Redis (~270 bytes each) and in the client. A request for a session nobody holds
 * reaches nobody, which is right: no process to stop.
 */
export class SessionControl {
  /** The sessions this process holds: requests for others are ignored. */
  private readonly held = new Set<string>();
  private subscriber?: RedisClient;
  /** Settles once Redis confirmed the subscription to the control channel. */
  private listening?: Promise<unknown>;
  private handler?: ControlHandler;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: SessionControlOptions = {},
  ) {}

  async send(sessionId: string, action: ControlAction): Promise<void> {
    const message: ControlMessage = { sessionId, action, at: Date.now() };
    await this.redis.publish(this.channel(), JSON.stringify(message));
  }

  /** Where this process's requests go (the worker's turn runner). */
  handle(handler: ControlHandler): void {
    this.handler = handler;
  }

  /**
   * Starts receiving the session's requests; resolves once this process listens on the control
   * channel (Redis confirmed it: the first call subscribes, later ones find it done).
   */
  async subscribe(sessionId: string): Promise<void> {
    this.held.add(sessionId);
    await this.listen();
  }

  async unsubscribe(sessionId: string): Promise<void> {
    this.held.delete(sessionId);
  }

  /** Sessions whose requests this process receives. */
  get heldSessions(): number {
    return this.held.size;
  }

  /** Drops the subscriber connection (nothing to flush on it). */
  close(): void {
    this.held.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.listening = undefined;
  }

  /** One subscription for the process' lifetime; ioredis renews it after a reconnect. */
  private listen(): Promise<unknown> {
    this.listening ??= this.connection()
      .subscribe(this.channel())
      .catch((error: unknown) => {
        this.listening = undefined; // the next subscribe() tries again
        throw error;
      });
    return this.listening;
  }

  private connection(): RedisClient {
    if (this.subscriber) return this.subscriber;
    const name =
      this.options.subscriberName ?? `${connectionNameOf(this.redis) ?? 'redis'}-control`;
    const subscriber = duplicateConnection(this.redis, name);
    subscriber.on('error', (error: Error) => this.report(error));
    subscriber.on('message', (_channel: string, text: string) => void this.dispatch(text));
    this.subscriber = subscriber;
    return subscriber;
  }

  private async dispatch(text: string): Promise<void> {
    const parsed = ControlMessageSchema.safeParse(parseJson(text));
    if (!parsed.success) {
      this.report(new Error('ignored a malformed control message'));
      return;
    }
    const { sessionId, action } = parsed.data;
    if (!this.held.has(sessionId) || !this.handler) return;
    try {
      await this.handler(sessionId, action);
    } catch (error) {
      this.report(error instanceof Error ? error : new Error(String(error)), sessionId);
    }
  }

  private channel(): string {
    return channelOf(this.redis, channels.control());
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
