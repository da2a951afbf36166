import type { CanUseToolRequest, PermissionAnswer } from '@app/claude';
import type { NewSessionEvent } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import pino from 'pino';
import { MemoryApprovals, MemorySessionStore } from '../../../../test/support/memory';
import { SessionApprovals } from './session-approvals';

/** The orchestration of one session's prompts over in-memory repositories and a fake CLI pipe. */
async function setup(timeoutMs = 60_000) {
  const store = new MemoryApprovals();
  const sessions = new MemorySessionStore();
  const record = await sessions.create('acme', { permissions: 'ask' });
  await sessions.transition(record.id, 'running');
  const answered: Array<[string, PermissionAnswer]> = [];
  const events: NewSessionEvent[] = [];
  let holds = 0;
  const approvals = new SessionApprovals(
    record.id,
    timeoutMs,
    { store, sessions, recheckMs: 20, logger: pino({ level: 'silent' }) },
    {
      answer: async (id, answer) => void answered.push([id, answer]),
      emit: (event) => void events.push(event),
      hold: () => void holds++,
      release: () => void holds--,
    },
  );
  const status = async () => (await sessions.find(record.id))?.status;
  const kinds = () => events.map((e) => e.kind);
  return {
    store,
    sessions,
    sessionId: record.id,
    approvals,
    answered,
    events,
    kinds,
    status,
    holds: () => holds,
  };
}

const bash = (id: string, command = 'touch x'): CanUseToolRequest => ({
  type: 'control_request',
  request_id: id,
  request: {
    subtype: 'can_use_tool',
    tool_name: 'Bash',
    input: { command },
    permission_suggestions: [{ type: 'addRules' }],
    tool_use_id: `toolu_${id}`,
  },
});

describe('SessionApprovals', () => {
  it('asks the client: pending record, permission_request, waiting; the answer goes to the CLI', async () => {
    const s = await setup();
    await s.approvals.request(3, bash('r1'));
    expect(await s.status()).toBe('waiting');
    expect(s.holds()).toBe(1);
    expect(s.events[0]).toMatchObject({ turn: 3, kind: 'status', data: { status: 'waiting' } });
    expect(s.events[1]).toMatchObject({
      turn: 3,
      kind: 'permission_request',
      data: { requestId: 'r1', tool: 'Bash', input: { command: 'touch x' }, toolUseId: 'toolu_r1' },
    });
    expect(await s.store.pending(s.sessionId)).toHaveLength(1);
    await s.store.answer(s.sessionId, 'r1', { decision: 'allow', by: 'client', at: Date.now() });
    await s.approvals.check();
    expect(s.answered).toEqual([
      ['r1', { behavior: 'allow', updatedInput: { command: 'touch x' } }],
    ]);
    expect(s.events.at(-2)).toMatchObject({
      kind: 'permission_resolved',
      data: { requestId: 'r1', decision: 'allow', by: 'client' },
    });
    expect(s.events.at(-1)).toMatchObject({ kind: 'status', data: { status: 'running' } });
    expect(await s.status()).toBe('running');
    expect(s.holds()).toBe(0);
    expect(await s.store.pending(s.sessionId)).toEqual([]);
  });

  it('finds an answer whose control message was lost, by re-checking on its own', async () => {
    const s = await setup();
    await s.approvals.request(1, bash('r1'));
    await s.store.answer(s.sessionId, 'r1', {
      decision: 'deny',
      by: 'client',
      message: 'not on prod',
      at: Date.now(),
    });
    await eventually('the answer delivered', () => s.answered.length === 1);
    expect(s.answered[0]).toEqual(['r1', { behavior: 'deny', message: 'not on prod' }]);
  });

  it('denies at the deadline, once, and the turn goes on', async () => {
    const s = await setup(50);
    await s.approvals.request(1, bash('r1'));
    await eventually('the deadline to deny', () => s.answered.length === 1);
    expect(s.answered[0][1]).toMatchObject({ behavior: 'deny' });
    expect(s.events).toContainEqual(
      expect.objectContaining({
        kind: 'permission_resolved',
        data: expect.objectContaining({ decision: 'deny', by: 'deadline' }),
      }),
    );
    expect(await s.status()).toBe('running');
    // A client answering late learns it lost.
    expect(
      await s.store.answer(s.sessionId, 'r1', { decision: 'allow', by: 'client', at: Date.now() }),
    ).toMatchObject({ kind: 'answered', answer: { by: 'deadline' } });
  });

  it('answers identical calls itself after allow_session (by policy), others still ask', async () => {
    const s = await setup();
    await s.approvals.request(1, bash('r1'));
    await s.store.answer(s.sessionId, 'r1', {
      decision: 'allow_session',
      by: 'client',
      at: Date.now(),
    });
    await s.approvals.check();
    await s.approvals.request(1, bash('r2'));
    expect(s.answered.map(([id]) => id)).toEqual(['r1', 'r2']);
    expect(s.events.at(-1)).toMatchObject({
      kind: 'permission_resolved',
      data: { requestId: 'r2', decision: 'allow_session', by: 'policy' },
    });
    await s.approvals.request(1, bash('r3', 'rm -rf /'));
    expect(s.kinds().at(-1)).toBe('permission_request');
    expect(await s.status()).toBe('waiting');
  });

  it('stays waiting until the last of several prompts is answered', async () => {
    const s = await setup();
    await s.approvals.request(1, bash('r1'));
    await s.approvals.request(1, bash('r2', 'ls'));
    await s.store.answer(s.sessionId, 'r2', { decision: 'allow', by: 'client', at: Date.now() });
    await s.approvals.check();
    expect(await s.status()).toBe('waiting');
    expect(s.holds()).toBe(1);
    await s.approvals.cancelled('r1');
    expect(await s.status()).toBe('running');
    expect(s.events.at(-2)).toMatchObject({
      kind: 'permission_resolved',
      data: { requestId: 'r1', decision: 'deny', by: 'policy' },
    });
  });

  it('carries AskUserQuestion answers in the allowed input', async () => {
    const s = await setup();
    const questions = [
      { question: 'Which color?', options: [{ label: 'red' }, { label: 'blue' }] },
    ];
    await s.approvals.request(1, {
      type: 'control_request',
      request_id: 'q1',
      request: { subtype: 'can_use_tool', tool_name: 'AskUserQuestion', input: { questions } },
    });
    expect(s.events.at(-1)).toMatchObject({ kind: 'permission_request', data: { questions } });
    await s.store.answer(s.sessionId, 'q1', {
      decision: 'allow',
      by: 'client',
      answers: { 'Which color?': 'blue' },
      at: Date.now(),
    });
    await s.approvals.check();
    expect(s.answered[0][1]).toEqual({
      behavior: 'allow',
      updatedInput: { questions, answers: { 'Which color?': 'blue' } },
    });
  });

  it('a turn that ends with a prompt open resolves it; dispose stops every timer', async () => {
    const s = await setup(30);
    await s.approvals.request(1, bash('r1'));
    await s.approvals.turnEnded();
    expect(s.events.at(-2)).toMatchObject({
      kind: 'permission_resolved',
      data: { decision: 'deny', by: 'policy', reason: 'the turn ended' },
    });
    await s.approvals.request(2, bash('r2'));
    s.approvals.dispose();
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.answered).toEqual([]);
  });
  it('refuses a prompt at once when it cannot be put on record (nobody could answer it)', async () => {
    const s = await setup();
    s.store.open = async () => {
      throw new Error('READONLY You can’t write against a read only replica.');
    };
    await s.approvals.request(1, bash('r1'));
    expect(s.answered[0]).toEqual(['r1', expect.objectContaining({ behavior: 'deny' })]);
    expect(s.events.at(-1)).toMatchObject({
      kind: 'permission_resolved',
      data: { decision: 'deny', by: 'policy' },
    });
    expect(await s.status()).toBe('running');
    expect(s.holds()).toBe(0);
  });
});
