import { randomUUID } from 'node:crypto';
import { channelOf, channels, type ControlAction } from '@app/contracts';
import { eventually } from '@app/testing';
import type { TestRedisTarget } from '@app/testing/services';
import { SessionControl } from '../session-control';

/** What SessionControl must do on real Redis, a single server or a cluster alike. */
export function sessionControlSuite(target: () => TestRedisTarget): void {
  const controls: SessionControl[] = [];
  const control = (keyPrefix = target().keyPrefix, onError?: (e: Error) => void) => {
    const c = new SessionControl(target().client({ keyPrefix }), { onError });
    controls.push(c);
    return c;
  };
  afterEach(() => {
    controls.splice(0).forEach((c) => c.close());
  });

  /** The control channel as published (with the target's key prefix). */
  const controlChannel = () =>
    channelOf({ options: { keyPrefix: target().keyPrefix } }, channels.control());

  /** A worker that records what reaches it. */
  const listener = (keyPrefix?: string, onError?: (e: Error) => void) => {
    const c = control(keyPrefix, onError);
    const received: Array<[string, ControlAction]> = [];
    c.handle(async (sessionId, action) => void received.push([sessionId, action]));
    return { c, received };
  };

  it('carries a request to the worker holding the session, and only to it', async () => {
    const gateway = control();
    const holder = listener();
    const other = listener();
    const [held, elsewhere] = [randomUUID(), randomUUID()];
    await holder.c.subscribe(held);
    await other.c.subscribe(elsewhere);
    await gateway.send(held, 'interrupt');
    await gateway.send(held, 'terminate');
    await eventually('both requests', () => holder.received.length === 2);
    expect(holder.received).toEqual([
      [held, 'interrupt'],
      [held, 'terminate'],
    ]);
    await gateway.send(elsewhere, 'release');
    await eventually('the other worker’s request', () => other.received.length === 1);
    expect(holder.received).toHaveLength(2);
  });

  it('stops hearing a session once unsubscribed', async () => {
    const gateway = control();
    const worker = listener();
    const [left, kept] = [randomUUID(), randomUUID()];
    await worker.c.subscribe(left);
    await worker.c.subscribe(kept);
    await worker.c.unsubscribe(left);
    await gateway.send(left, 'interrupt');
    await gateway.send(kept, 'interrupt');
    // Pub/sub keeps order on one connection: once `kept` arrived, `left` would have too.
    await eventually('the kept session’s request', () => worker.received.length === 1);
    expect(worker.received).toEqual([[kept, 'interrupt']]);
  });

  it('hears every session it holds on one subscription, and keeps nothing of those it let go', async () => {
    const gateway = control();
    const worker = listener();
    const ids = Array.from({ length: 200 }, () => randomUUID());
    await Promise.all(ids.map((id) => worker.c.subscribe(id)));
    // One subscriber of one channel, however many sessions: no SUBSCRIBE per session taken.
    expect(await target().subscribers(controlChannel())).toBe(1);
    for (const id of ids.slice(1)) await worker.c.unsubscribe(id);
    expect(worker.c.heldSessions).toBe(1);
    await gateway.send(ids[1], 'interrupt');
    await gateway.send(ids[0], 'terminate');
    await eventually('the held session’s request', () => worker.received.length === 1);
    expect(worker.received).toEqual([[ids[0], 'terminate']]);
  });

  it('keeps deployments that share a Redis apart', async () => {
    const id = randomUUID();
    const mine = listener(`${target().keyPrefix}one:`);
    const theirs = listener(`${target().keyPrefix}two:`);
    await mine.c.subscribe(id);
    await theirs.c.subscribe(id);
    await control(`${target().keyPrefix}one:`).send(id, 'terminate');
    await eventually('the request in its own deployment', () => mine.received.length === 1);
    await control(`${target().keyPrefix}two:`).send(id, 'interrupt');
    await eventually('the other deployment’s own request', () => theirs.received.length === 1);
    expect(theirs.received).toEqual([[id, 'interrupt']]);
  });

  it('ignores malformed messages and reports them; a failing handler is reported too', async () => {
    const errors: string[] = [];
    const worker = control(undefined, (e) => errors.push(e.message));
    worker.handle(async () => {
      throw new Error('handler broke');
    });
    const id = randomUUID();
    await worker.subscribe(id);
    const raw = target().client({ keyPrefix: '' });
    await raw.publish(controlChannel(), `{"sessionId":"${id}","action":"explode"}`);
    await control().send(id, 'interrupt');
    await eventually('both reports', () => errors.length === 2);
    expect(errors).toEqual(['ignored a malformed control message', 'handler broke']);
  });
}
