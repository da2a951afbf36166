import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { TURN_QUEUE, type TurnJob } from '@app/contracts';
import { eventually } from '@app/testing';
import type { TestRedisTarget } from '@app/testing/services';
import { closeQueueConnection, queueConnection, type QueueRedis } from '../queue-options';
import { TurnConsumer, type TurnHandler, type TurnOutcome } from '../turn-consumer';
import { TurnQueue } from '../turn-queue';

/** A handler that answers each run with the next scripted outcome (or error). */
function scripted(...steps: Array<TurnOutcome | Error>) {
  const runs: TurnJob[] = [];
  const givenUp: Array<{ job: TurnJob; error: unknown }> = [];
  const handler: TurnHandler = {
    run: async (job) => {
      runs.push(job);
      const step = steps[Math.min(runs.length, steps.length) - 1];
      if (step instanceof Error) throw step;
      return step;
    },
    giveUp: async (job, error) => void givenUp.push({ job, error }),
  };
  return { handler, runs, givenUp };
}

const DONE: TurnOutcome = { kind: 'done', subtype: 'success', isError: false };

/** What the turn queue must do on real Redis, a single server or a cluster alike. */
export function turnQueueSuite(target: () => TestRedisTarget): void {
  const closers: Array<() => Promise<void>> = [];
  // Each test its own namespace, so a consumer never takes another test's jobs.
  const redis = (): QueueRedis =>
    target().queueRedis(`${target().keyPrefix}${randomUUID().slice(0, 8)}:`);
  const producer = (r: QueueRedis) => {
    const queue = new TurnQueue(r);
    closers.push(() => queue.close());
    return queue;
  };
  const consumer = (r: QueueRedis, handler: TurnHandler) => {
    const c = new TurnConsumer({ redis: r, concurrency: 2, handoverRetryMs: 20 });
    c.start(handler);
    closers.push(() => c.close());
    return c;
  };
  const job = (turn = 1): TurnJob => ({
    sessionId: randomUUID(),
    tenant: 'acme',
    turn,
    message: 'hi',
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it('delivers a turn once, however often it is enqueued', async () => {
    const r = redis();
    const queue = producer(r);
    const turn = job();
    await queue.enqueue(turn);
    await queue.enqueue(turn);
    const h = scripted(DONE);
    consumer(r, h.handler);
    await eventually('the turn to run', () => h.runs.length === 1);
    await queue.enqueue(job()); // a later job runs too, so the duplicate would have by now
    await eventually('the next turn to run', () => h.runs.length === 2);
    expect(h.runs[0]).toEqual(turn);
  });

  it('retries a turn whose session another worker holds, shortly', async () => {
    const r = redis();
    await producer(r).enqueue(job());
    const h = scripted({ kind: 'handover' }, { kind: 'handover' }, DONE);
    consumer(r, h.handler);
    await eventually('the turn to run after two hand-over waits', () => h.runs.length === 3);
    expect(h.givenUp).toEqual([]);
  });

  it('takes a turn handed back by a stopping worker again at once', async () => {
    const r = redis();
    await producer(r).enqueue(job());
    const h = scripted({ kind: 'handback' }, DONE);
    consumer(r, h.handler);
    await eventually('the turn to run again', () => h.runs.length === 2);
    expect(h.runs[1]).toEqual(h.runs[0]);
  });

  it('fails the session after the last attempt throws, not before', async () => {
    const r = redis();
    await producer(r).enqueue(job());
    const error = new Error('object store unreachable');
    const h = scripted(error);
    consumer(r, h.handler);
    // Three attempts with exponential back-off (1 s, 2 s).
    await eventually('the last attempt to give up', () => h.givenUp.length === 1, 15_000);
    expect(h.runs).toHaveLength(3);
    expect(h.givenUp[0].error).toBe(error);
  });

  it('never retries a malformed job', async () => {
    const r = redis();
    const raw = new Queue(TURN_QUEUE, queueConnection(r, 'raw'));
    closers.push(async () => {
      await raw.close();
      await closeQueueConnection(raw.opts.connection);
    });
    await raw.add('turn', { sessionId: 'not-a-uuid' }, { attempts: 3 });
    const h = scripted(DONE);
    consumer(r, h.handler);
    await eventually('the job to fail', async () => (await raw.getFailedCount()) === 1);
    const [failed] = await raw.getFailed();
    expect(failed.failedReason).toMatch(/malformed turn job/);
    expect(failed.attemptsMade).toBe(1);
    expect(h.runs).toEqual([]);
  });

  it('drops turns still waiting, and only those', async () => {
    const r = redis();
    const queue = producer(r);
    const first = job(1);
    await queue.enqueue(first);
    await queue.enqueue({ ...first, turn: 2 });
    expect(await queue.dropWaiting(first.sessionId, [1, 2, 3])).toBe(2);
    const h = scripted(DONE);
    consumer(r, h.handler);
    await queue.enqueue(job());
    await eventually('a later turn to run', () => h.runs.length === 1);
    expect(h.runs[0].sessionId).not.toBe(first.sessionId);
  });
}
