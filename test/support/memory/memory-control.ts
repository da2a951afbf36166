import type { ControlAction } from '@app/contracts';
import type { ControlHandler, SessionControl } from '@app/sessions';

type Control = Pick<SessionControl, 'send' | 'subscribe' | 'unsubscribe' | 'handle'>;

/**
 * Session control as an in-process bus: what Redis pub/sub does between gateway and workers.
 * `endpoint()` gives each worker (or gateway) its own face; a request reaches the endpoints
 * subscribed to the session, none if nobody holds it.
 */
export class MemoryControlBus {
  private readonly subscribers = new Map<string, Set<MemoryControl>>();
  /** Every request sent, in order, for specs to check. */
  readonly sent: Array<{ sessionId: string; action: ControlAction }> = [];

  endpoint(): MemoryControl {
    return new MemoryControl(this);
  }

  async deliver(sessionId: string, action: ControlAction): Promise<void> {
    this.sent.push({ sessionId, action });
    const targets = [...(this.subscribers.get(sessionId) ?? [])];
    await Promise.all(targets.map((t) => t.receive(sessionId, action)));
  }

  attach(sessionId: string, endpoint: MemoryControl, on: boolean): void {
    let set = this.subscribers.get(sessionId);
    if (!set) this.subscribers.set(sessionId, (set = new Set()));
    if (on) set.add(endpoint);
    else set.delete(endpoint);
  }

  holders(sessionId: string): number {
    return this.subscribers.get(sessionId)?.size ?? 0;
  }
}

export class MemoryControl implements Control {
  private handler?: ControlHandler;

  constructor(private readonly bus: MemoryControlBus) {}

  send(sessionId: string, action: ControlAction): Promise<void> {
    return this.bus.deliver(sessionId, action);
  }

  handle(handler: ControlHandler): void {
    this.handler = handler;
  }

  async subscribe(sessionId: string): Promise<void> {
    this.bus.attach(sessionId, this, true);
  }

  async unsubscribe(sessionId: string): Promise<void> {
    this.bus.attach(sessionId, this, false);
  }

  async receive(sessionId: string, action: ControlAction): Promise<void> {
    await this.handler?.(sessionId, action);
  }
}
