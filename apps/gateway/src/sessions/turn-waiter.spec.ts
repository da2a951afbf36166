import type { SessionEvent } from '@app/contracts';
import type { EventRelay } from '@app/stream';
import { TurnWaiter } from './turn-waiter';

let seq = 0;
const event = (turn: number, kind: SessionEvent['kind'], data: unknown): SessionEvent => ({
  id: `1-${++seq}`,
  seq,
  turn,
  kind,
  ts: 1,
  data,
});

/** A relay that hands over a fixed list of events, as if they were in the stream after the cursor. */
function relayOf(events: SessionEvent[]): Pick<EventRelay, 'follow'> {
  return {
    follow: async (_sessionId, _cursor, onEvent, signal) => {
      for (const e of events) {
        if (signal?.aborted) return;
        await onEvent(e);
      }
    },
  } as Pick<EventRelay, 'follow'>;
}

describe('TurnWaiter', () => {
  it('relays only its own turn (and gaps) when its cursor predates an earlier turn’s end', async () => {
    const stream = [
      event(1, 'claude', { type: 'assistant', message: { content: [] } }),
      event(1, 'gap', { from: 1, to: 2, count: 2 }),
      event(1, 'status', { status: 'idle' }),
      event(2, 'status', { status: 'running' }),
      event(2, 'claude', { type: 'result', subtype: 'success', is_error: false, result: 'two' }),
      event(2, 'status', { status: 'idle' }),
    ];
    const waiter = new TurnWaiter(relayOf(stream), { send: async () => undefined }, 60_000);
    const relayed: SessionEvent[] = [];
    const end = await waiter.wait('s', 2, '0-0', {
      signal: new AbortController().signal,
      progress: async (message) => void relayed.push(JSON.parse(message) as SessionEvent),
    });
    expect(end).toMatchObject({ status: 'idle', result: { result: 'two' }, events: stream[5].id });
    expect(relayed.map((e) => [e.turn, e.kind])).toEqual([
      [1, 'gap'],
      [2, 'status'],
      [2, 'claude'],
      [2, 'status'],
    ]);
  });
});
