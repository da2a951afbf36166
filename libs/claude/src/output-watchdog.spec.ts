import { PassThrough } from 'node:stream';
import { OutputWatchdog } from './output-watchdog';

describe('OutputWatchdog', () => {
  // Jest's clock drives the watchdog's timers and Date.now; streams keep their real ticks.
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });
  const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);

  it('fires when a turn produces no output while the consumer waits', async () => {
    let fired = 0;
    const dog = new OutputWatchdog(50, () => fired++);
    const source = new PassThrough();
    const it = dog.track(source)[Symbol.asyncIterator]();
    const pending = it.next();
    dog.turnStarted();
    await advance(49);
    expect(fired).toBe(0);
    await advance(1);
    expect(fired).toBe(1);
    source.end();
    await pending;
  });

  it('does not fire between turns, nor while the consumer is behind', async () => {
    let fired = 0;
    const dog = new OutputWatchdog(50, () => fired++);
    const source = new PassThrough();
    const it = dog.track(source)[Symbol.asyncIterator]();
    await advance(100); // no turn in flight: idle session
    dog.turnStarted();
    source.write('x');
    await it.next(); // consumer takes a chunk, then is busy for a while
    await advance(120);
    expect(fired).toBe(0);
    const next = it.next(); // waiting again: the clock starts now
    await advance(45);
    source.write('y');
    await next;
    dog.turnEnded();
    await advance(80);
    expect(fired).toBe(0);
    dog.stop();
    source.end();
  });

  it('keeps no timer between turns: an idle session holds none', async () => {
    let fired = 0;
    const dog = new OutputWatchdog(10 * 60_000, () => fired++);
    const source = new PassThrough();
    const it = dog.track(source)[Symbol.asyncIterator]();
    const first = it.next();
    dog.turnStarted();
    expect(jest.getTimerCount()).toBe(1);
    source.write('result');
    await first;
    dog.turnEnded();
    const next = it.next(); // the reader waits for the next turn's output
    expect(jest.getTimerCount()).toBe(0);
    dog.turnStarted();
    expect(jest.getTimerCount()).toBe(1);
    await advance(10 * 60_000);
    expect(fired).toBe(1);
    source.end();
    await next;
  });

  it('keeps quiet while output flows', async () => {
    let fired = 0;
    const dog = new OutputWatchdog(60, () => fired++);
    const source = new PassThrough();
    dog.turnStarted();
    const consume = (async () => {
      for await (const _ of dog.track(source)) void _;
    })();
    for (let i = 0; i < 8; i++) {
      source.write('chunk');
      await advance(25);
    }
    source.end();
    await consume;
    expect(fired).toBe(0);
  });
  it('does not fire while held (a permission prompt waits for the client), and restarts after', async () => {
    let fired = 0;
    const dog = new OutputWatchdog(50, () => fired++);
    const source = new PassThrough();
    const it = dog.track(source)[Symbol.asyncIterator]();
    const pending = it.next();
    dog.turnStarted();
    await advance(30);
    dog.hold();
    await advance(500);
    expect(fired).toBe(0);
    dog.release();
    await advance(49);
    expect(fired).toBe(0);
    await advance(1);
    expect(fired).toBe(1);
    source.end();
    await pending;
  });
});
