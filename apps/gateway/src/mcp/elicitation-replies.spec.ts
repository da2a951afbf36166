import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server';
import { ElicitationReplies } from './elicitation-replies';

/** A transport that only records what it is asked to send. */
function fakeTransport(): Transport & { sent: JSONRPCMessage[] } {
  const sent: JSONRPCMessage[] = [];
  return {
    sent,
    start: async () => undefined,
    close: async () => undefined,
    send: async (message) => void sent.push(message),
  };
}

const ask = (id: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'elicitation/create',
  params: {},
});
const reply = (id: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  result: { action: 'decline' },
});

describe('ElicitationReplies', () => {
  it('hands a reply arriving on a later POST to the server that asked, once', async () => {
    const replies = new ElicitationReplies();
    const inner = fakeTransport();
    const wrapped = replies.transport('m1', inner);
    const received: JSONRPCMessage[] = [];
    wrapped.onmessage = (message) => void received.push(message);
    await wrapped.send(ask(0));
    expect(inner.sent).toEqual([ask(0)]);
    expect(replies.deliver('m2', [reply(0)])).toBe(0); // another MCP session's id 0
    expect(replies.deliver('m1', [reply(0)])).toBe(1);
    expect(replies.deliver('m1', [reply(0)])).toBe(0);
    expect(received).toEqual([reply(0)]);
  });

  it('routes nothing for an id two servers of one session asked with', async () => {
    const replies = new ElicitationReplies();
    const a = replies.transport('m1', fakeTransport());
    const b = replies.transport('m1', fakeTransport());
    const received: JSONRPCMessage[] = [];
    a.onmessage = (message) => void received.push(message);
    b.onmessage = (message) => void received.push(message);
    await a.send(ask(0));
    await b.send(ask(0));
    expect(replies.deliver('m1', [reply(0)])).toBe(0);
    expect(received).toEqual([]);
  });

  it('forgets what a closed transport asked', async () => {
    const replies = new ElicitationReplies();
    const inner = fakeTransport();
    const wrapped = replies.transport('m1', inner);
    wrapped.onmessage = () => undefined;
    await wrapped.send(ask(3));
    inner.onclose?.();
    expect(replies.deliver('m1', [reply(3)])).toBe(0);
  });
});
