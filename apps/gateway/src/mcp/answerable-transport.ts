import { randomUUID } from 'node:crypto';
import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type MessageExtraInfo,
  type RequestId,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';

/** Where a transport's outgoing requests wait for their answers (CallRelay, per MCP session). */
export interface ReplyRoute {
  /**
   * Sends the answer to request `id`, from whichever replica it reaches, to `deliver`; resolves
   * once it can. Returns how to stop waiting.
   */
  expect(id: RequestId, deliver: (reply: JSONRPCResponse) => void): Promise<() => void>;
}

/** A request of the server in flight: the id the client was given, and how to stop waiting. */
interface Asked {
  wireId: string;
  stop?: () => void;
  sent?: boolean;
}

/**
 * The SDK transport of one POST, unchanged but for the requests its server sends (a waited
 * call's `elicitation/create`): their answers arrive on later POSTs, at any replica, and reach the
 * server through the route as if this transport had received them. Every server numbers its
 * requests from 0, so two calls of one MCP session would ask with the same id: each request goes
 * out under an id of its own (`ask-<uuid>`), a `notifications/cancelled` the server sends for it
 * names that id too, and its answer reaches the server under the server's id again. The wrapper
 * sets the inner transport's callbacks (as a server would) and copies the messages it rewrites:
 * no field of an SDK object is written.
 */
export class AnswerableTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  /** The server's requests in flight, by the server's own id. */
  private readonly asked = new Map<RequestId, Asked>();
  private closed = false;

  constructor(
    private readonly inner: Transport,
    private readonly route: ReplyRoute,
  ) {
    inner.onmessage = (message, extra) => this.onmessage?.(message, extra);
    inner.onerror = (error) => this.onerror?.(error);
    inner.onclose = () => {
      this.closed = true;
      for (const id of [...this.asked.keys()]) this.settle(id);
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

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isJSONRPCRequest(message)) return this.sendRequest(message, options);
    const forClient = this.forClient(message);
    if (forClient) await this.inner.send(forClient, options);
  }

  private async sendRequest(request: JSONRPCRequest, options?: TransportSendOptions) {
    if (this.closed) return this.inner.send(request, options); // fails as the SDK's would
    const asked: Asked = { wireId: `ask-${randomUUID()}` };
    this.asked.set(request.id, asked);
    // Waiting before sending: the answer cannot come before the client has the request.
    asked.stop = await this.route.expect(asked.wireId, (reply) => {
      this.settle(request.id);
      this.onmessage?.({ ...reply, id: request.id });
    });
    // Settled meanwhile (the server gave up on it, or the transport closed): nothing to ask.
    if (this.asked.get(request.id) !== asked) return asked.stop();
    asked.sent = true;
    try {
      await this.inner.send({ ...request, id: asked.wireId }, options);
    } catch (error) {
      this.settle(request.id);
      throw error;
    }
  }

  /**
   * A message as the client must see it: the server's cancellation of a request of its own
   * (timeout, abort) names the id the client was given, or is dropped when the request never left.
   */
  private forClient(message: JSONRPCMessage): JSONRPCMessage | undefined {
    if (!isCancellation(message)) return message;
    const asked = this.asked.get(message.params.requestId);
    if (!asked) return message;
    this.settle(message.params.requestId);
    if (!asked.sent) return undefined;
    return { ...message, params: { ...message.params, requestId: asked.wireId } };
  }

  private settle(id: RequestId): void {
    this.asked.get(id)?.stop?.();
    this.asked.delete(id);
  }
}

type Cancellation = JSONRPCNotification & { params: { requestId: RequestId } };

function isCancellation(message: JSONRPCMessage): message is Cancellation {
  if (!isJSONRPCNotification(message) || message.method !== 'notifications/cancelled') {
    return false;
  }
  const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof requestId === 'string' || typeof requestId === 'number';
}
