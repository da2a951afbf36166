import type { CheckpointManifest } from '@app/checkpoint';
import { InvalidRequest } from '@app/contracts';
import { SessionNotFound } from '@app/sessions';
import { resultLine } from '../../../../test/support/memory';
import { call, sessionSystem as system } from '../../../../test/support/memory/memory-sessions';

describe('SessionService', () => {
  it('starts a session and queues its first turn', async () => {
    const s = system();
    const started = await s.service.start({ prompt: 'hello' }, call());
    expect(started).toEqual({ sessionId: expect.any(String), status: 'queued', turn: 1 });
    expect(s.queue.waiting).toEqual([
      { sessionId: started.sessionId, tenant: 'acme', turn: 1, message: 'hello' },
    ]);
    expect((await s.sessions.find(started.sessionId))?.status).toBe('queued');
  });

  it('waits for a turn, relaying its events as progress, and answers with its result', async () => {
    const s = system();
    const ctx = call();
    const waited = s.service.start({ prompt: 'hello', wait: true }, ctx);
    const { cli, outcome } = await s.takeTurn();
    await cli.finish(resultLine({ result: 'hi there' }));
    await outcome;
    const started = await waited;
    expect(started).toMatchObject({
      status: 'idle',
      turn: 1,
      result: { type: 'result', result: 'hi there' },
    });
    expect(ctx.progressed.map((e) => e.kind)).toEqual(['status', 'claude', 'checkpoint', 'status']);
    expect(started.status === 'queued' ? undefined : started.events).toBe(
      ctx.progressed.at(-1)?.id,
    );
  });

  it('a waited follow-up relays only its own turn', async () => {
    const s = system();
    const { sessionId } = await s.service.start({ prompt: 'one' }, call());
    const first = await s.takeTurn();
    await first.cli.finish();
    await first.outcome;
    const ctx = call();
    const waited = s.service.send({ sessionId, message: 'two', wait: true }, ctx);
    const second = await s.takeTurn();
    expect(second.cli.messages).toEqual(['one', 'two']);
    await second.cli.finish();
    expect(await waited).toMatchObject({ status: 'idle', turn: 2 });
    expect(ctx.progressed.every((e) => e.turn === 2)).toBe(true);
  });

  it('answers "running" with a cursor when the turn outlasts the longest wait', async () => {
    const s = system({ maxWaitMs: 20 });
    const { sessionId } = await s.service.start({ prompt: 'long' }, call());
    const turn = await s.takeTurn();
    const answer = await s.service.send({ sessionId, message: 'x', wait: true }, call());
    expect(answer).toMatchObject({ status: 'running', turn: 2 });
    await turn.cli.finish();
  });

  it('drops a queued turn on interrupt and leaves the session idle', async () => {
    const s = system();
    const { sessionId } = await s.service.start({ prompt: 'hello' }, call());
    expect(await s.service.interrupt(sessionId, call())).toEqual({
      status: 'idle',
      outcome: 'dropped',
      turn: 1,
    });
    expect(s.queue.waiting).toEqual([]);
    expect(s.bus.sent).toEqual([]); // nothing ran, so no worker was asked
  });

  it('interrupts a running turn wherever it runs', async () => {
    const s = system();
    const { sessionId } = await s.service.start({ prompt: 'hello' }, call());
    const { outcome } = await s.takeTurn();
    // The answer comes once the turn has ended, so it can say the session takes the next message.
    expect(await s.service.interrupt(sessionId, call())).toEqual({
      status: 'idle',
      outcome: 'interrupted',
      turn: 1,
    });
    expect(await outcome).toMatchObject({ kind: 'done', subtype: 'error_during_execution' });
    expect(await s.service.interrupt(sessionId, call())).toEqual({
      status: 'idle',
      outcome: 'nothing_running',
      turn: 1,
    });
  });

  it('a cancelled waited call interrupts its turn', async () => {
    const s = system();
    const ctx = call();
    const waited = s.service.start({ prompt: 'hello', wait: true }, ctx);
    const { outcome } = await s.takeTurn();
    ctx.cancel();
    expect(await waited).toMatchObject({ status: 'running' });
    expect(await outcome).toMatchObject({ kind: 'done', isError: true });
    expect(s.bus.sent.map((m) => m.action)).toEqual(['interrupt']);
  });

  it('terminates mid-turn: the worker stops the CLI, a waiting call learns it, no more turns', async () => {
    const s = system();
    const ctx = call();
    const waited = s.service.start({ prompt: 'hello', wait: true }, ctx);
    const { job, outcome } = await s.takeTurn();
    expect(await s.service.terminate(job.sessionId, call())).toBe('terminated');
    expect(await waited).toMatchObject({ status: 'terminated' });
    expect((await outcome).kind).toBe('failed');
    expect((await s.sessions.find(job.sessionId))?.status).toBe('terminated');
    await expect(
      s.service.send({ sessionId: job.sessionId, message: 'more' }, call()),
    ).rejects.toThrow(/terminated and takes no more messages/);
    expect(s.queue.waiting).toEqual([]);
  });

  it('a waited call on a turn that asks for permission returns at once with the request', async () => {
    const s = system();
    const waited = s.service.start({ prompt: 'hello', permissions: 'ask', wait: true }, call());
    const { job, cli } = await s.takeTurn();
    const request = { requestId: 'r1', tool: 'Bash', input: {}, suggestions: [], deadline: 5 };
    await s.events.append(job.sessionId, [
      { turn: job.turn, kind: 'permission_request', data: request },
    ]);
    expect(await waited).toMatchObject({
      status: 'waiting',
      pending: { requestId: 'r1', tool: 'Bash', deadline: 5 },
      message: expect.stringContaining('session_respond'),
    });
    await cli.finish();
  });

  it('refuses approvalTimeoutMs without permissions "ask", creating nothing', async () => {
    const s = system();
    await expect(
      s.service.start({ prompt: 'x', approvalTimeoutMs: 5_000 }, call()),
    ).rejects.toThrow(/only with permissions "ask"/);
    expect((await s.service.list({}, call())).sessions).toEqual([]);
  });

  it('refuses a workspace with a checkpoint to fork, creating nothing', async () => {
    const s = system();
    await expect(
      s.service.start(
        {
          prompt: 'x',
          checkpointId: 'c'.repeat(64),
          workspace: { files: [{ path: 'a.txt', content: 'a' }] },
        },
        call(),
      ),
    ).rejects.toBeInstanceOf(InvalidRequest);
    expect((await s.service.list({}, call())).sessions).toEqual([]);
    expect(s.seeded).toEqual([]);
    expect(s.queue.waiting).toEqual([]);
  });

  it('forks a checkpoint with its options unless the call names others', async () => {
    const s = system();
    const checkpointId = 'c'.repeat(64);
    s.manifests.set(checkpointId, {
      session: { options: { model: 'claude-a', maxTurns: 3, checkpointId: 'old' } },
      workspace: { seed: 'b'.repeat(64) },
    } as unknown as CheckpointManifest);
    const { sessionId } = await s.service.start(
      { prompt: 'go on', checkpointId, model: 'claude-b' },
      call(),
    );
    expect((await s.sessions.find(sessionId))?.options).toEqual({
      model: 'claude-b',
      maxTurns: 3,
      checkpointId,
      workspace: { seedTree: 'b'.repeat(64) },
    });
  });

  it('keeps tenants apart: another tenant’s session is not found', async () => {
    const s = system();
    const { sessionId } = await s.service.start({ prompt: 'mine' }, call('acme'));
    const foreign = call('globex');
    await expect(s.service.status(sessionId, foreign)).rejects.toBeInstanceOf(SessionNotFound);
    await expect(s.service.events({ sessionId }, foreign)).rejects.toBeInstanceOf(SessionNotFound);
    await expect(s.service.send({ sessionId, message: 'x' }, foreign)).rejects.toBeInstanceOf(
      SessionNotFound,
    );
    await expect(s.service.terminate(sessionId, foreign)).rejects.toBeInstanceOf(SessionNotFound);
    expect((await s.service.list({}, foreign)).sessions).toEqual([]);
    expect(s.queue.waiting).toHaveLength(1);
  });

  it('pages events after a cursor, with the session’s status', async () => {
    const s = system();
    const { sessionId } = await s.service.start({ prompt: 'hello' }, call());
    const { cli, outcome } = await s.takeTurn();
    await cli.finish();
    await outcome;
    const first = await s.service.events({ sessionId, limit: 2 }, call());
    expect(first.events.map((e) => e.seq)).toEqual([1, 2]);
    const rest = await s.service.events({ sessionId, after: first.next }, call());
    expect(rest.events.map((e) => e.seq)).toEqual([3, 4]);
    expect(rest.status).toBe('idle');
  });
});
