import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { TURN_QUEUE, type TurnJob } from '@app/contracts';
import { eventually } from '@app/testing';
import type { TestRedisTarget } from '@app/testing/services';
import { closeQueueConnection, queueConnection, type QueueRedis } from '../queue-options';
import { TurnConsumer, type TurnHandler, type TurnOutcome } from '../turn-consumer';
import type { TurnDispatch } from '../fair-share';
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
  const producer = (r: QueueRedis, dispatch?: TurnDispatch) => {
    const queue = new TurnQueue(r, { dispatch });
    closers.push(() => queue.close());
    return queue;
  };
  const consumer = (r: QueueRedis, handler: TurnHandler, concurrency = 2) => {
    const c = new TurnConsumer({ redis: r, concurrency, handoverRetryMs: 20 });
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

  it('says whether a turn has yet to run: queued or just taken, not once done or gone', async () => {
    const r = redis();
    const queue = producer(r);
    const [first, second] = [job(), job()];
    await queue.enqueue(first);
    await queue.enqueue(second);
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const taken: TurnJob[] = [];
    const run = async (j: TurnJob) => {
      taken.push(j);
      await gate;
      return DONE;
    };
    const c = consumer(r, { run, giveUp: async () => undefined }, 1);
    const pending = (j: TurnJob) => c.turnPending(j.sessionId, j.turn);
    await eventually('the first turn to be taken', () => taken.length === 1);
    expect(await pending(first)).toBe(true); // taken, not yet run
    expect(await pending(second)).toBe(true); // queued
    release();
    await eventually('both to be done', async () => !(await pending(second)));
    expect(await pending(first)).toBe(false);
    expect(await c.turnPending(first.sessionId, 2)).toBe(false); // no such job
  });

  it('keeps a turn in its place through a hand-back and a hand-over', async () => {
    const r = redis();
    const queue = producer(r);
    const later = (backlog: number) => queue.enqueue(job(), { backlog });
    const own = job();
    await queue.enqueue(own, { backlog: 2 });
    const runs: string[] = [];
    let dueAt = 0;
    const run = async (j: TurnJob): Promise<TurnOutcome> => {
      const ownRuns = runs.filter((x) => x === 'own').length;
      runs.push(j.sessionId === own.sessionId ? 'own' : 'other');
      if (j.sessionId !== own.sessionId) {
        // Keeps the worker busy until the handed-over turn is due, then queues one more.
        if (dueAt === 0) return DONE;
        await eventually('the hand-over to be due', () => Date.now() > dueAt + 20);
        dueAt = 0;
        await later(1);
        return DONE;
      }
      // Each time a turn of a tenant with fewer queued arrives meanwhile, and goes first.
      if (ownRuns === 0) {
        await later(1);
        return { kind: 'handback' };
      }
      if (ownRuns === 1) {
        await later(1);
        dueAt = Date.now() + 20;
        return { kind: 'handover' };
      }
      return DONE;
    };
    consumer(r, { run, giveUp: async () => undefined }, 1);
    await eventually('every turn to run', () => runs.length === 6);
    // Back in the queue with its priority (2), not ahead of everyone (BullMQ's wait list).
    expect(runs).toEqual(['own', 'other', 'own', 'other', 'other', 'own']);
  });

  describe('fair dispatch across tenants', () => {
    /** Queues `count` turns of `tenant`, each in a session of its own, as admissions count them. */
    const flood = async (queue: TurnQueue, tenant: string, count: number) => {
      for (let backlog = 1; backlog <= count; backlog++)
        await queue.enqueue({ ...job(), tenant }, { backlog });
    };
    /** One worker taking one turn at a time, started once everything is queued. */
    const takeAll = async (r: QueueRedis, expected: number) => {
      const h = scripted(DONE);
      consumer(r, h.handler, 1);
      await eventually(`${expected} turns to run`, () => h.runs.length === expected);
      return h.runs;
    };

    it("serves a quiet tenant's turn next, however many a noisy one queued", async () => {
      const r = redis();
      const queue = producer(r);
      await flood(queue, 'noisy', 50);
      await flood(queue, 'quiet', 1);
      const runs = await takeAll(r, 51);
      // Noisy's first turn has the same place (1) and was queued earlier.
      expect(runs.slice(0, 2).map((j) => j.tenant)).toEqual(['noisy', 'quiet']);
    });

    it('serves in the order queued under TURN_DISPATCH=fifo', async () => {
      const r = redis();
      const queue = producer(r, 'fifo');
      await flood(queue, 'noisy', 50);
      await flood(queue, 'quiet', 1);
      const runs = await takeAll(r, 51);
      expect(runs.findIndex((j) => j.tenant === 'quiet')).toBe(50);
    });

    it('interleaves two noisy tenants turn by turn', async () => {
      const r = redis();
      const queue = producer(r);
      await flood(queue, 'first', 10);
      await flood(queue, 'second', 10);
      const runs = await takeAll(r, 20);
      expect(runs.map((j) => j.tenant)).toEqual(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'first' : 'second')),
      );
    });

    it("keeps a session's turns in order when its tenant's backlog shrinks between them", async () => {
      const r = redis();
      const queue = producer(r);
      const sessionId = randomUUID();
      // Turn k was admitted with 6 - k turns of its tenant queued: later turns got lower places.
      for (let turn = 1; turn <= 5; turn++) {
        await queue.enqueue(
          { sessionId, tenant: 'acme', turn, message: 'hi' },
          { backlog: 6 - turn },
        );
        await queue.enqueue({ ...job(), tenant: 'other' }, { backlog: turn });
      }
      const runs = await takeAll(r, 10);
      const own = runs.filter((j) => j.sessionId === sessionId).map((j) => j.turn);
      expect(own).toEqual([1, 2, 3, 4, 5]);
      // Still shared fairly: the other tenant's first turn did not wait for all five.
      expect(runs.findIndex((j) => j.tenant === 'other')).toBeLessThan(2);
    });
  });
}
