import { CheckpointNotFound } from '@app/checkpoint';
import { capturedLog } from '@app/logging/spec/captured-log';
import type { SessionEvent, TurnJob } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import {
  memoryFleet,
  type MemorySessionStore,
  type MemoryWorker,
  resultLine,
  toolUseLine,
} from '../../../../test/support/memory';
import { NO_CREDENTIALS } from './turn-runner';

/** The turn's state machine, with in-memory repositories: a fleet of workers in one process. */
function fleet() {
  const { sessions, events, leases, bus, approvals, queue, worker } = memoryFleet();
  const newTurn = async (tenant = 'acme', sessionId?: string): Promise<TurnJob> => {
    const id = sessionId ?? (await sessions.create(tenant, {})).id;
    const { turn } = await sessions.nextTurn(tenant, id);
    return { sessionId: id, tenant, turn, message: `message ${turn}` };
  };
  const kinds = (sessionId: string) =>
    events.all(sessionId).map((e: SessionEvent) => {
      const data = e.data as { status?: string; code?: string; type?: string };
      return `${e.kind}:${data.status ?? data.code ?? data.type ?? ''}`;
    });
  return { sessions, events, leases, bus, approvals, queue, worker, newTurn, kinds };
}

/** Waits until the worker's CLI for the session is mid-turn (the runner got that far). */
async function running(w: MemoryWorker, sessionId: string) {
  for (let i = 0; i < 1_000 && !w.registry.get(sessionId)?.busy; i++) await Promise.resolve();
  const live = w.registry.get(sessionId);
  if (!live?.busy) throw new Error(`no turn running for ${sessionId}`);
  return live;
}

describe('TurnRunner', () => {
  it('says the workers lack credentials where the CLI says "Please run /login", and logs it', async () => {
    const f = fleet();
    const a = f.worker('a');
    const logged = jest.spyOn(a.logger, 'error');
    const job = await f.newTurn();
    const outcome = a.runner.run(job);
    // The CLI's own words with no ANTHROPIC_API_KEY (2.1.332): an error reported as "success".
    const notLoggedIn = { is_error: true, result: 'Not logged in · Please run /login' };
    await (await running(a, job.sessionId)).finish(resultLine(notLoggedIn));
    await outcome;
    expect(f.kinds(job.sessionId)).toEqual([
      'status:running',
      'claude:result',
      'checkpoint:',
      'error:no_credentials',
      'status:idle',
    ]);
    const error = f.events.all(job.sessionId).find((e) => e.kind === 'error');
    expect(error?.data).toMatchObject({ message: NO_CREDENTIALS });
    expect(NO_CREDENTIALS).toMatch(/ANTHROPIC_API_KEY.*on the workers/);
    expect(NO_CREDENTIALS).not.toMatch(/login/i);
    expect((await f.sessions.find(job.sessionId))?.lastError).toBe(NO_CREDENTIALS);
    // The idle status says why too (a webhook carries it): not a bare "idle".
    expect(f.events.all(job.sessionId).at(-1)?.data).toEqual({
      status: 'idle',
      error: NO_CREDENTIALS,
    });
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0][1])).toMatch(/no Anthropic credentials/);
  });

  it('runs a turn to idle: result recorded, checkpoint taken, then hibernates when idle', async () => {
    const f = fleet();
    const a = f.worker('a');
    const job = await f.newTurn();
    const outcome = a.runner.run(job);
    await (await running(a, job.sessionId)).finish(resultLine({ total_cost_usd: 0.25 }));
    expect(await outcome).toEqual({ kind: 'done', subtype: 'success', isError: false });
    expect(await f.sessions.find(job.sessionId)).toMatchObject({
      status: 'idle',
      completedTurns: 1,
      costUsd: 0.25,
      claudeSessionId: 'claude-session-1',
    });
    expect(f.kinds(job.sessionId)).toEqual([
      'status:running',
      'claude:result',
      'checkpoint:',
      'status:idle',
    ]);
    expect(f.leases.heldBy(job.sessionId)).toBe('a');
    expect(f.bus.holders(job.sessionId)).toBe(1);

    a.registry.fireIdle(job.sessionId);
    await eventuallyStatus(f.sessions, job.sessionId, 'hibernated');
    expect(f.leases.heldBy(job.sessionId)).toBeUndefined();
    expect(f.bus.holders(job.sessionId)).toBe(0);
    expect(a.checkpointer.forgotten).toEqual([job.sessionId]);
  });

  it('leaves the session idle when its checkpoint fails, and says so', async () => {
    const f = fleet();
    const a = f.worker('a');
    a.checkpointer.failNext('checkpoint', new Error('object store unreachable'));
    const job = await f.newTurn();
    const outcome = a.runner.run(job);
    await (await running(a, job.sessionId)).finish();
    expect((await outcome).kind).toBe('done');
    expect(f.kinds(job.sessionId)).toEqual([
      'status:running',
      'claude:result',
      'error:checkpoint_failed',
      'status:idle',
    ]);
    expect((await f.sessions.find(job.sessionId))?.status).toBe('idle');
  });

  it('retries a failed checkpoint, and hibernates only once the store holds the turn', async () => {
    const f = fleet();
    const a = f.worker('a');
    a.checkpointer.unavailable = new Error('object store unreachable');
    const job = await f.newTurn();
    const outcome = a.runner.run(job);
    await (await running(a, job.sessionId)).finish();
    await outcome;
    expect(f.kinds(job.sessionId).slice(-2)).toEqual(['error:checkpoint_failed', 'status:idle']);
    // Idle, but its turn is only on this worker: it stays here.
    a.registry.fireIdle(job.sessionId);
    await eventuallyIdleTimer(a, job.sessionId);
    expect((await f.sessions.find(job.sessionId))?.status).toBe('idle');
    expect(f.leases.heldBy(job.sessionId)).toBe('a');
    // The store is back: the background retry stores it, then the session may hibernate.
    a.checkpointer.unavailable = undefined;
    await eventuallyKinds(f, job.sessionId, (k) => k.at(-1) === 'checkpoint:');
    const retried = f.events.all(job.sessionId).at(-1);
    expect(retried?.data).toMatchObject({ retried: true });
    a.registry.fireIdle(job.sessionId);
    await eventuallyStatus(f.sessions, job.sessionId, 'hibernated');
  });

  it('says so before the turn runs when the restored state lacks finished turns', async () => {
    const f = fleet();
    const a = f.worker('a');
    a.checkpointer.lostTurns = 2;
    const job = await f.newTurn();
    const outcome = a.runner.run(job);
    await (await running(a, job.sessionId)).finish();
    await outcome;
    expect(f.kinds(job.sessionId).slice(0, 2)).toEqual(['error:turns_lost', 'status:running']);
    expect(f.events.all(job.sessionId)[0].data).toMatchObject({
      count: 2,
      message: expect.stringMatching(/last 2 turns of this session could not be restored/),
    });
  });

  it('interrupts the running turn where it runs; the session stays usable', async () => {
    const f = fleet();
    const a = f.worker('a');
    const job = await f.newTurn();
    const outcome = a.runner.run(job);
    await running(a, job.sessionId);
    await f.bus.endpoint().send(job.sessionId, 'interrupt');
    expect(await outcome).toEqual({
      kind: 'done',
      subtype: 'error_during_execution',
      isError: true,
    });
    // The CLI's diagnostic is not what the client reads.
    expect(await f.sessions.find(job.sessionId)).toMatchObject({
      status: 'idle',
      lastError:
        'the turn stopped before it finished (it was interrupted, or the CLI hit an error)',
    });

    const next = a.runner.run(await f.newTurn('acme', job.sessionId));
    await (await running(a, job.sessionId)).finish();
    expect((await next).kind).toBe('done');
    expect(a.registry.started).toHaveLength(1); // the same process took the next turn
  });

  it('ends a turn whose session is terminated mid-turn without marking it failed', async () => {
    const f = fleet();
    const a = f.worker('a');
    const job = await f.newTurn();
    const outcome = a.runner.run(job);
    await running(a, job.sessionId);
    // What session_terminate does on a gateway.
    await f.sessions.transition(job.sessionId, 'terminated');
    await f.bus.endpoint().send(job.sessionId, 'terminate');
    expect((await outcome).kind).toBe('failed');
    expect((await f.sessions.find(job.sessionId))?.status).toBe('terminated');
    expect(f.kinds(job.sessionId)).toEqual(['status:running']);
    expect(f.leases.heldBy(job.sessionId)).toBeUndefined();
    expect(a.registry.get(job.sessionId)).toBeUndefined();
    // A turn the queue still held is skipped.
    expect(await a.runner.run({ ...job, turn: job.turn + 1 })).toEqual({
      kind: 'skipped',
      reason: 'terminated',
    });
  });

  it('fails the session when its CLI dies mid-turn; the next message starts a new one', async () => {
    const f = fleet();
    const a = f.worker('a');
    const first = await f.newTurn();
    const run1 = a.runner.run(first);
    await (await running(a, first.sessionId)).finish();
    await run1;
    const second = await f.newTurn('acme', first.sessionId);
    const run2 = a.runner.run(second);
    (await running(a, first.sessionId)).crash(137);
    expect(await run2).toEqual({ kind: 'failed', error: expect.stringMatching(/code 137/) });
    const record = await f.sessions.find(first.sessionId);
    expect(record?.status).toBe('failed');
    expect(record?.lastError).toMatch(/exited before finishing the turn/);
    expect(f.kinds(first.sessionId).slice(-2)).toEqual(['error:cli_failed', 'status:failed']);
    expect(f.leases.heldBy(first.sessionId)).toBeUndefined();

    const third = a.runner.run(await f.newTurn('acme', first.sessionId));
    const restarted = await running(a, first.sessionId);
    expect(restarted.plan).toEqual({ resume: 'claude-session-1' });
    await restarted.finish();
    expect((await third).kind).toBe('done');
    expect(a.registry.started).toHaveLength(2);
  });

  it('logs each turn with its ids: when it runs and when it ends, a failed one at error', async () => {
    const f = fleet();
    const log = capturedLog();
    const a = f.worker('a', log.logger);
    const first = await f.newTurn();
    const run1 = a.runner.run(first);
    await (await running(a, first.sessionId)).finish();
    await run1;
    const second = await f.newTurn('acme', first.sessionId);
    const run2 = a.runner.run(second);
    (await running(a, first.sessionId)).crash(137);
    await run2;
    const ids = (turn: number) => ({
      tenant: 'acme',
      sessionId: first.sessionId,
      turn,
      jobId: `${first.sessionId}.${turn}`,
    });
    expect(log.lines()).toEqual([
      expect.objectContaining({ level: 30, msg: 'turn running', ...ids(1) }),
      expect.objectContaining({ level: 30, msg: 'turn finished', ...ids(1), subtype: 'success' }),
      expect.objectContaining({ level: 30, msg: 'turn running', ...ids(2) }),
      expect.objectContaining({
        level: 50,
        msg: 'turn failed',
        ...ids(2),
        error: expect.stringMatching(/exited before finishing the turn \(code 137/),
      }),
    ]);
  });

  it('fails the session on the last attempt, saying why', async () => {
    const f = fleet();
    const a = f.worker('a');
    const job = await f.newTurn();
    await a.runner.giveUp(job, new Error('Redis went away'));
    const record = await f.sessions.find(job.sessionId);
    expect(record).toMatchObject({ status: 'failed', lastError: 'Redis went away' });
    expect(f.kinds(job.sessionId)).toEqual(['error:start_failed', 'status:failed']);
  });

  it('fails at once when the checkpoint to restore is gone, and lets the queue retry other errors', async () => {
    const f = fleet();
    const a = f.worker('a');
    const gone = await f.newTurn();
    a.checkpointer.failNext('prepare', new CheckpointNotFound('acme', 'f'.repeat(64)));
    expect(await a.runner.run(gone)).toEqual({
      kind: 'failed',
      error: `checkpoint ${'f'.repeat(64)} not found`,
    });
    expect((await f.sessions.find(gone.sessionId))?.status).toBe('failed');

    const flaky = await f.newTurn();
    a.checkpointer.failNext('prepare', new Error('connection reset'));
    await expect(a.runner.run(flaky)).rejects.toThrow('connection reset');
    expect((await f.sessions.find(flaky.sessionId))?.status).toBe('queued');
    expect(f.leases.heldBy(flaky.sessionId)).toBeUndefined();
  });

  it('skips a job of another tenant’s or an unknown session', async () => {
    const f = fleet();
    const a = f.worker('a');
    const job = await f.newTurn('acme');
    expect(await a.runner.run({ ...job, tenant: 'globex' })).toEqual({
      kind: 'skipped',
      reason: 'no such session',
    });
    expect(f.leases.heldBy(job.sessionId)).toBeUndefined();
  });

  describe('hand-over between workers', () => {
    it('an idle session moves at once to the worker that has its next turn', async () => {
      const f = fleet();
      const [a, b] = [f.worker('a'), f.worker('b')];
      const first = await f.newTurn();
      const run1 = a.runner.run(first);
      await (await running(a, first.sessionId)).finish();
      await run1;

      const second = await f.newTurn('acme', first.sessionId);
      // b cannot take it while a holds it: it asks a to let go, and the queue retries.
      expect(await b.runner.run(second)).toEqual({ kind: 'handover' });
      expect(f.bus.sent).toContainEqual({ sessionId: first.sessionId, action: 'release' });
      // a closed its CLI and let go; the session stays queued for its next turn.
      expect(f.leases.heldBy(first.sessionId)).toBeUndefined();
      expect(a.registry.get(first.sessionId)).toBeUndefined();
      expect((await f.sessions.find(first.sessionId))?.status).toBe('queued');

      const retried = b.runner.run(second);
      const moved = await running(b, first.sessionId);
      expect(moved.plan).toEqual({ resume: 'claude-session-1' });
      await moved.finish();
      expect((await retried).kind).toBe('done');
      expect(f.leases.heldBy(first.sessionId)).toBe('b');
      expect(a.registry.get(first.sessionId)).toBeUndefined();
    });

    it('a hand-over request that lands while this worker starts the next turn waits for it', async () => {
      const f = fleet();
      const a = f.worker('a');
      const first = await f.newTurn();
      const run1 = a.runner.run(first);
      await (await running(a, first.sessionId)).finish();
      await run1;
      // Another worker asks for the session just as turn 2 starts here, before its CLI reads busy
      // (as the run's status write goes out): the CLI must not be closed under the turn.
      const second = await f.newTurn('acme', first.sessionId);
      const transition = f.sessions.transition.bind(f.sessions);
      let release: Promise<void> | undefined;
      jest.spyOn(f.sessions, 'transition').mockImplementation((id, status, options) => {
        if (status === 'running') release ??= a.holds.control(id, 'release');
        return transition(id, status, options);
      });
      const run2 = a.runner.run(second);
      const cli = await running(a, first.sessionId);
      await release;
      expect(a.registry.started).toHaveLength(1); // the same CLI: not closed, not restarted
      await cli.finish();
      expect((await run2).kind).toBe('done');
      // Handed over once the turn has ended.
      expect(f.leases.heldBy(first.sessionId)).toBeUndefined();
      expect((await f.sessions.find(first.sessionId))?.status).toBe('hibernated');
    });

    it('a second delivery of a turn still starting here comes back later, and touches nothing of the first', async () => {
      const f = fleet();
      const a = f.worker('a');
      const first = await f.newTurn();
      const run1 = a.runner.run(first);
      await (await running(a, first.sessionId)).finish();
      await run1;
      // Turn 2's job is handed out again (its lock renewal came late) while its first delivery
      // is still writing the running status, before the CLI reads busy.
      const second = await f.newTurn('acme', first.sessionId);
      const transition = f.sessions.transition.bind(f.sessions);
      let deliverAgain: ((outcome: Promise<unknown>) => void) | undefined;
      const duplicate = new Promise<Promise<unknown>>((resolve) => (deliverAgain = resolve));
      jest.spyOn(f.sessions, 'transition').mockImplementation(async (id, status, options) => {
        const deliver = status === 'running' ? deliverAgain : undefined;
        deliverAgain = undefined;
        if (deliver) {
          // The first delivery's status write is held up until the second has had its go.
          const again = a.runner.run(second);
          deliver(again);
          await again.catch(() => undefined);
        }
        return transition(id, status, options);
      });
      const run2 = a.runner.run(second);
      expect(await await duplicate).toEqual({ kind: 'handover' });
      const cli = await running(a, first.sessionId);
      await cli.finish();
      expect((await run2).kind).toBe('done');
      expect(a.registry.started).toHaveLength(1); // the same CLI: not killed, not restarted
      expect((await f.sessions.find(first.sessionId))?.status).toBe('idle');
      expect(f.leases.heldBy(first.sessionId)).toBe('a');
      // When it comes back, the turn has run: nothing left to do.
      expect(await a.runner.run(second)).toMatchObject({ kind: 'skipped' });
    });

    it('a busy session moves once its running turn has ended', async () => {
      const f = fleet();
      const [a, b] = [f.worker('a'), f.worker('b')];
      const first = await f.newTurn();
      const run1 = a.runner.run(first);
      const live = await running(a, first.sessionId);
      const second = await f.newTurn('acme', first.sessionId);
      expect(await b.runner.run(second)).toEqual({ kind: 'handover' });
      expect(f.leases.heldBy(first.sessionId)).toBe('a'); // not while its turn runs
      await live.finish();
      await run1;
      expect(f.leases.heldBy(first.sessionId)).toBeUndefined();
      expect((await f.sessions.find(first.sessionId))?.status).toBe('hibernated');
    });
  });

  describe('a turn whose worker is gone', () => {
    /** Worker a starts the turn and dies mid-turn: its lease runs out, its job comes back. */
    async function orphaned(tools: string[] = []) {
      const f = fleet();
      const [a, b] = [f.worker('a'), f.worker('b')];
      const first = await f.newTurn();
      const run1 = a.runner.run(first);
      await (await running(a, first.sessionId)).finish();
      await run1;
      a.registry.fireIdle(first.sessionId); // hibernated: any worker may take turn 2
      const job = await f.newTurn('acme', first.sessionId);
      void a.runner.run(job);
      const cli = await running(a, job.sessionId);
      for (const tool of tools) await cli.print(toolUseLine(tool));
      f.leases.expire(job.sessionId);
      return { f, a, b, job };
    }

    it('runs again on another worker from the last checkpoint, and says so', async () => {
      const { f, b, job } = await orphaned(['Read', 'Edit']);
      const rerun = b.runner.run(job);
      const cli = await running(b, job.sessionId);
      expect(cli.plan).toEqual({ resume: 'claude-session-1' });
      expect(cli.messages).toEqual([job.message]);
      expect(b.checkpointer.discarded).toEqual([job.sessionId]);
      await cli.finish();
      expect((await rerun).kind).toBe('done');
      const events = f.events.all(job.sessionId).filter((e) => e.turn === job.turn);
      expect(
        events.map((e) => `${e.kind}:${(e.data as { status?: string }).status ?? ''}`),
      ).toEqual([
        'status:running',
        'claude:',
        'claude:',
        'status:recovered',
        'turn_restarted:',
        'status:running',
        'claude:',
        'checkpoint:',
        'status:idle',
      ]);
      expect(events[3].data).toEqual({ status: 'recovered', worker: 'b' });
      expect(events[4].data).toEqual({ turn: 2, attempt: 2, worker: 'b' });
      // Sequence numbers only grow: what a client saw keeps its place.
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(await f.sessions.find(job.sessionId)).toMatchObject({
        status: 'idle',
        settledTurn: 2,
        turnStarts: 2,
      });
    });

    it('fails the turn instead when it had run a command, and the session goes on', async () => {
      const { f, b, job } = await orphaned(['Read', 'Bash']);
      const outcome = await b.runner.run(job);
      expect(outcome).toEqual({ kind: 'failed', error: expect.stringMatching(/had run Bash/) });
      expect(f.kinds(job.sessionId).slice(-2)).toEqual(['error:turn_lost', 'status:failed']);
      expect(b.registry.started).toEqual([]); // nothing ran again
      expect(f.leases.heldBy(job.sessionId)).toBeUndefined();
      const next = b.runner.run(await f.newTurn('acme', job.sessionId));
      await (await running(b, job.sessionId)).finish();
      expect((await next).kind).toBe('done');
    });

    it('runs a turn that died waiting for an approval again: it asks again, under a new id', async () => {
      const { f, b, job } = await orphaned(['Bash']);
      // Worker a had raised a prompt for that Bash call and was waiting for the client.
      const prompt = {
        requestId: 'req-old',
        tool: 'Bash',
        input: {},
        suggestions: [],
        deadline: Date.now() + 60_000,
        toolUseId: 'toolu_Bash',
      };
      await f.approvals.open(job.sessionId, {
        ...prompt,
        turn: job.turn,
        signature: 's',
        createdAt: Date.now(),
      });
      await f.events.append(job.sessionId, [
        { turn: job.turn, kind: 'permission_request', data: prompt },
      ]);
      await f.sessions.transition(job.sessionId, 'waiting', { from: ['running'] });
      const rerun = b.runner.run(job);
      const cli = await running(b, job.sessionId);
      expect((await f.sessions.find(job.sessionId))?.status).toBe('running');
      expect(await f.approvals.pending(job.sessionId)).toEqual([]);
      await cli.finish();
      expect((await rerun).kind).toBe('done');
      expect((await f.sessions.find(job.sessionId))?.status).toBe('idle');
    });

    it('gives up on a turn that keeps stopping its worker', async () => {
      const { f, b, job } = await orphaned();
      await f.sessions.update(job.sessionId, { turnStarts: 3 });
      expect(await b.runner.run(job)).toMatchObject({ kind: 'failed' });
      expect(f.kinds(job.sessionId).slice(-2)).toEqual(['error:turn_crashed', 'status:failed']);
    });

    it('keeps the next turn waiting until the orphaned one has run again', async () => {
      const { f, b, job } = await orphaned();
      const later = await f.newTurn('acme', job.sessionId);
      expect(await b.runner.run(later)).toEqual({ kind: 'handover' });
      expect(f.leases.heldBy(job.sessionId)).toBeUndefined(); // free for the orphaned turn
      const rerun = b.runner.run(job);
      await (await running(b, job.sessionId)).finish();
      await rerun;
      const next = b.runner.run(later);
      await (await running(b, job.sessionId)).finish();
      expect((await next).kind).toBe('done');
    });

    it('ignores a job for a turn that already ran', async () => {
      const f = fleet();
      const a = f.worker('a');
      const job = await f.newTurn();
      const run1 = a.runner.run(job);
      await (await running(a, job.sessionId)).finish();
      await run1;
      expect(await a.runner.run(job)).toEqual({ kind: 'skipped', reason: 'turn 1 already ran' });
    });
  });

  describe('a stopping worker', () => {
    it('hands its running turn back, to run again elsewhere without counting as a crash', async () => {
      const f = fleet();
      const [a, b] = [f.worker('a'), f.worker('b')];
      const job = await f.newTurn();
      const outcome = a.runner.run(job);
      await running(a, job.sessionId);
      await a.holds.handBack([job.sessionId]);
      expect(await outcome).toEqual({ kind: 'handback' });
      expect(f.leases.heldBy(job.sessionId)).toBeUndefined();
      expect((await f.sessions.find(job.sessionId))?.status).toBe('running');
      expect(f.kinds(job.sessionId)).toEqual(['status:running', 'status:handed_back']);

      const rerun = b.runner.run(job);
      await (await running(b, job.sessionId)).finish();
      expect((await rerun).kind).toBe('done');
      expect((await f.sessions.find(job.sessionId))?.turnStarts).toBe(1);
    });

    it('stops quietly when another worker took its lease while it was cut off', async () => {
      const f = fleet();
      const a = f.worker('a');
      const job = await f.newTurn();
      const outcome = a.runner.run(job);
      await running(a, job.sessionId);
      await a.holds.leaseLost(job.sessionId);
      expect(await outcome).toEqual({ kind: 'skipped', reason: 'lease lost' });
      expect((await f.sessions.find(job.sessionId))?.status).toBe('running');
      expect(f.kinds(job.sessionId)).toEqual(['status:running']);
    });
  });

  describe("a session's turns in order", () => {
    /** A session that ran turn 1 and has turns 2 and 3 queued; turn 3 reaches a worker first. */
    async function overtaken() {
      const f = fleet();
      const a = f.worker('a');
      const first = await f.newTurn();
      const run1 = a.runner.run(first);
      await (await running(a, first.sessionId)).finish();
      await run1;
      const second = await f.newTurn('acme', first.sessionId);
      const third = await f.newTurn('acme', first.sessionId);
      await f.queue.enqueue(second);
      const started = () =>
        f.events
          .all(first.sessionId)
          .filter((e) => e.kind === 'status' && (e.data as { status: string }).status === 'running')
          .map((e) => e.turn);
      return { f, a, second, third, started };
    }

    it('hands a turn back to the queue while the turn before it still waits there', async () => {
      const { f, a, second, third, started } = await overtaken();
      // Fair dispatch (or a hand-over's retry) brought turn 3 to the worker before turn 2.
      expect(await a.runner.run(third)).toEqual({ kind: 'handover' });
      expect((await f.sessions.find(third.sessionId))?.runningTurn).toBe(1);
      expect(a.registry.get(third.sessionId)?.busy).toBe(false);

      const run2 = a.runner.run(f.queue.take());
      const cli = await running(a, second.sessionId);
      // Turn 2 has started: turn 3 now waits only for it to end, as any next turn does.
      expect(await a.runner.run(third)).toEqual({ kind: 'handover' });
      await cli.finish();
      expect((await run2).kind).toBe('done');
      const run3 = a.runner.run(third);
      await (await running(a, third.sessionId)).finish();
      expect((await run3).kind).toBe('done');
      expect(started()).toEqual([1, 2, 3]);
    });

    it('does not wait for a turn whose job is gone', async () => {
      const { f, a, second, third, started } = await overtaken();
      // Dropped from the queue (or never added: its gateway died before): it will not run.
      await f.queue.dropWaiting(second.sessionId, [second.turn]);
      const run3 = a.runner.run(third);
      await (await running(a, third.sessionId)).finish();
      expect((await run3).kind).toBe('done');
      expect(started()).toEqual([1, 3]);
    });
  });
});

async function eventuallyStatus(
  sessions: MemorySessionStore,
  sessionId: string,
  status: string,
): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if ((await sessions.find(sessionId))?.status === status) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`session ${sessionId} never became ${status}`);
}

async function eventuallyIdleTimer(w: MemoryWorker, sessionId: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (w.registry.hasIdleTimer(sessionId)) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no idle timer for ${sessionId}`);
}

async function eventuallyKinds(
  f: ReturnType<typeof fleet>,
  sessionId: string,
  check: (kinds: string[]) => boolean,
): Promise<void> {
  await eventually(`events of ${sessionId}`, () => check(f.kinds(sessionId)));
}
