import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { ControlMessageSchema, controlChannel, type ControlMessage } from '@app/contracts';

/**
 * Listens, on one subscriber connection per worker, to the control channels of the sessions
 * this worker holds, so interrupt and terminate reach the process wherever it runs.
 */
export class ControlListener {
  /** Subscribed channel → session id. */
  private readonly channels = new Map<string, string>();
  private handler: (sessionId: string, message: ControlMessage) => Promise<void> = async () =>
    undefined;

  constructor(
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string, text: string) => void this.dispatch(channel, text));
  }

  /** Sets what happens on a control message (the turn runner, created after this listener). */
  onControl(handler: (sessionId: string, message: ControlMessage) => Promise<void>): void {
    this.handler = handler;
  }

  async hold(sessionId: string, held: boolean): Promise<void> {
    const channel = controlChannel(this.subscriber, sessionId);
    if (held === this.channels.has(channel)) return;
    if (held) {
      this.channels.set(channel, sessionId);
      await this.subscriber.subscribe(channel);
    } else {
      this.channels.delete(channel);
      await this.subscriber.unsubscribe(channel);
    }
  }

  private async dispatch(channel: string, text: string): Promise<void> {
    const sessionId = this.channels.get(channel);
    if (!sessionId) return;
    const parsed = ControlMessageSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      this.logger.warn({ sessionId }, 'ignoring malformed control message');
      return;
    }
    try {
      await this.handler(sessionId, parsed.data);
    } catch (error) {
      this.logger.error(
        { sessionId, err: error, action: parsed.data.action },
        'control action failed',
      );
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
