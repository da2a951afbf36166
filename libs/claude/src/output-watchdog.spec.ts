import { PassThrough } from 'node:stream';
import { OutputWatchdog } from './output-watchdog';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OutputWatchdog', () => {
  it('fires when a turn produces no output while the consumer waits', async () => {
    let fired = 0;
    const dog = new OutputWatchdog(50, () => fired++);
    const source = new PassThrough();
    const it = dog.track(source)[Symbol.asyncIterator]();
    const pending = it.next();
    dog.turnStarted();
    await sleep(120);
    expect(fired).toBe(1);
    source.end();
    await pending;
  });

  it('does not fire between turns, nor while the consumer is behind', async () => {
    let fired = 0;
    const dog = new OutputWatchdog(50, () => fired++);
    const source = new PassThrough();
    const it = dog.track(source)[Symbol.asyncIterator]();
    await sleep(100); // no turn in flight: idle session
    dog.turnStarted();
    source.write('x');
    await it.next(); // consumer takes a chunk, then is busy for a while
    await sleep(120);
    expect(fired).toBe(0);
    const next = it.next(); // waiting again: the clock starts now
    await sleep(20);
    source.write('y');
    await next;
    dog.turnEnded();
    await sleep(80);
    expect(fired).toBe(0);
    dog.stop();
    source.end();
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
      await sleep(25);
    }
    source.end();
    await consume;
    expect(fired).toBe(0);
  });
});
