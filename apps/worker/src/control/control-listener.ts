import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { ControlMessageSchema, channels, type ControlMessage } from '@app/contracts';

const PREFIX = channels.control('');

/**
 * Listens, on one subscriber connection per worker, to the control channels of the sessions
 * this worker holds, so interrupt and terminate reach the process wherever it runs.
 */
export class ControlListener {
  private readonly sessions = new Set<string>();
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
    if (held === this.sessions.has(sessionId)) return;
    if (held) {
      this.sessions.add(sessionId);
      await this.subscriber.subscribe(channels.control(sessionId));
    } else {
      this.sessions.delete(sessionId);
      await this.subscriber.unsubscribe(channels.control(sessionId));
    }
  }

  private async dispatch(channel: string, text: string): Promise<void> {
    const sessionId = sessionIdOf(channel);
    if (!sessionId || !this.sessions.has(sessionId)) return;
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

/** Channel names look like `csb:{<id>}:control`. */
function sessionIdOf(channel: string): string | undefined {
  const open = PREFIX.indexOf('{');
  if (!channel.startsWith(PREFIX.slice(0, open + 1))) return undefined;
  const close = channel.indexOf('}', open);
  return close > open ? channel.slice(open + 1, close) : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
