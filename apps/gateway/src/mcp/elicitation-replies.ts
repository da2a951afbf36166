import type {
  JSONRPCMessage,
  MessageExtraInfo,
  RequestId,
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/server';

type Deliver = (message: JSONRPCMessage) => void;

/**
 * The answers to this replica's server→client requests (`elicitation/create` of a waited call).
 * Each 2025 POST runs on a fresh server over a stateless transport, so a client's answer arrives
 * on a later POST, served by another server: this index hands it to the server that asked.
 * Keyed by MCP session and request id; an id two calls of one session both use is not routed
 * (the asking call's request then simply ends at the prompt's deadline).
 */
export class ElicitationReplies {
  private readonly waiting = new Map<string, Deliver | null>();

  /** Routes replies in a POST of `mcpSessionId`; returns how many found the server that asked. */
  deliver(mcpSessionId: string, messages: unknown[]): number {
    let routed = 0;
    for (const message of messages) {
      if (!isReply(message)) continue;
      const key = keyOf(mcpSessionId, message.id);
      const deliver = this.waiting.get(key);
      if (!deliver) continue;
      this.waiting.delete(key);
      deliver(message);
      routed++;
    }
    return routed;
  }

  /** Wraps a POST's transport so the requests its server sends can be answered later. */
  transport(mcpSessionId: string, inner: Transport): Transport {
    return new AnswerableTransport(inner, {
      asked: (id, deliver) => {
        const key = keyOf(mcpSessionId, id);
        // Two servers of one session asked with the same id: neither can be told apart.
        this.waiting.set(key, this.waiting.has(key) ? null : deliver);
        return () => {
          if (this.waiting.get(key) === deliver) this.waiting.delete(key);
        };
      },
    });
  }
}

interface AskHooks {
  /** Records an outgoing request; returns how to forget it. */
  asked(id: RequestId, deliver: Deliver): () => void;
}

/**
 * The SDK transport of one POST, unchanged but for one thing: the ids of the requests its server
 * sends are recorded, and their replies (arriving on later POSTs) are passed to the server as if
 * this transport had received them. The wrapper owns the callbacks the server installs, so no
 * field of the SDK's transport is touched.
 */
class AnswerableTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private readonly forget: Array<() => void> = [];

  constructor(
    private readonly inner: Transport,
    private readonly hooks: AskHooks,
  ) {
    inner.onmessage = (message, extra) => this.onmessage?.(message, extra);
    inner.onerror = (error) => this.onerror?.(error);
    inner.onclose = () => {
      for (const forget of this.forget.splice(0)) forget();
      this.onclose?.();
    };
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  get hasPerRequestStream(): boolean | undefined {
    return this.inner.hasPerRequestStream;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  setSupportedProtocolVersions(versions: string[]): void {
    this.inner.setSupportedProtocolVersions?.(versions);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('method' in message && 'id' in message) {
      this.forget.push(this.hooks.asked(message.id, (reply) => this.onmessage?.(reply)));
    }
    return this.inner.send(message, options);
  }
}

function keyOf(mcpSessionId: string, id: RequestId): string {
  return `${mcpSessionId}\u0000${typeof id}:${String(id)}`;
}

function isReply(message: unknown): message is JSONRPCMessage & { id: RequestId } {
  if (typeof message !== 'object' || message === null || 'method' in message) return false;
  const id = (message as { id?: unknown }).id;
  return (
    (typeof id === 'string' || typeof id === 'number') &&
    ('result' in message || 'error' in message)
  );
}
