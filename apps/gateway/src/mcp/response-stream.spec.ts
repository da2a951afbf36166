import type { SessionEvent, TurnRelayPlan } from '@app/contracts';
import { ResponseStream, type RelayHistory } from './response-stream';
import type { StoredRelay } from './relayed-progress';
import { RecordingResponse } from './spec/recording-response';

const plan: TurnRelayPlan = { sessionId: 's', turn: 2, after: '0-0', endsAtPrompt: true };
const event = (seq: number): SessionEvent => ({
  id: `100-${seq}`,
  seq,
  turn: 2,
  kind: 'claude',
  ts: 1,
  data: { n: seq },
});
const bytes = (text: string) => new TextEncoder().encode(text);

function setUp(derivable = true) {
  const res = new RecordingResponse();
  const stream = new ResponseStream(res.res, derivable);
  const relays: Array<{ relay: StoredRelay; at?: string }> = [];
  const history: RelayHistory = { storeRelay: (_, relay, at) => void relays.push({ relay, at }) };
  return { res, stream, history, relays };
}

describe('ResponseStream', () => {
  it('writes relayed events behind the SDK chunks announced before them, comments aside', () => {
    const { res, stream, history, relays } = setUp();
    expect(stream.announce('S')).toBeUndefined(); // the priming event, not yet read from the SDK
    const send = stream.openRelay(history, 'tok', 0, plan);
    expect(relays).toEqual([
      { relay: { plan, progressToken: 'tok', sentBefore: 0 }, at: undefined },
    ]);
    send?.(event(1), 1);
    expect(res.text).toBe(''); // waits for the priming event
    stream.write(bytes(': keepalive\n\n'));
    expect(res.frames()).toEqual([]);
    stream.write(bytes('id: S/1-0\ndata: \n\n'));
    send?.(event(2), 2);
    // An elicitation request the SDK stores now is sent before anything relayed after it.
    expect(stream.announce('S')).toBe('2.100-2');
    send?.(event(3), 3);
    stream.write(bytes('event: message\nid: S/1-1\ndata: {"ask":1}\n\n'));
    send?.(event(4), 4);

    const frames = res.frames();
    expect(frames.map((f) => f.id)).toEqual([
      'S/1-0',
      'S/1.100-1',
      'S/2.100-2',
      'S/1-1',
      'S/3.100-3',
      'S/4.100-4',
    ]);
    expect(JSON.parse(frames[1].data)).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 'tok', progress: 1, message: JSON.stringify(event(1)) },
    });
  });

  it('counts relayed events once the client is gone, so stored entries still say where they were', () => {
    const { res, stream, history } = setUp();
    stream.announce('S');
    stream.write(bytes('id: S/1-0\ndata: \n\n'));
    const send = stream.openRelay(history, 7, 3, plan);
    send?.(event(1), 4);
    res.destroyed = true;
    send?.(event(2), 5);
    expect(stream.announce('S')).toBe('2.100-2');
    expect(res.frames().map((f) => f.id)).toEqual(['S/1-0', 'S/1.100-1']);
  });

  it('relays only where the stream is one call’s and resumable, and one turn at a time', () => {
    expect(setUp(false).stream.openRelay(setUp().history, 'tok', 0, plan)).toBeUndefined();
    const noPriming = setUp();
    expect(noPriming.stream.openRelay(noPriming.history, 'tok', 0, plan)).toBeUndefined();
    const { stream, history } = setUp();
    stream.announce('S');
    expect(stream.openRelay(history, 'tok', 0, plan)).toBeDefined();
    expect(stream.openRelay(history, 'tok', 0, plan)).toBeUndefined();
  });
});
