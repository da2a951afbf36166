import type { PendingApproval, SessionEvent } from '@app/contracts';
import {
  MemoryApprovals,
  MemoryControlBus,
  MemorySessionStore,
} from '../../../../test/support/memory';
import { ApprovalService } from './approval.service';
import { TurnWatch } from './turn-waiter';

async function setup() {
  const sessions = new MemorySessionStore();
  const approvals = new MemoryApprovals();
  const bus = new MemoryControlBus();
  const service = new ApprovalService({ sessions, approvals, control: bus.endpoint() });
  const { id: sessionId } = await sessions.create('acme', { permissions: 'ask' });
  await sessions.transition(sessionId, 'running');
  await sessions.transition(sessionId, 'waiting');
  const prompt = (overrides: Partial<PendingApproval> = {}): PendingApproval => ({
    requestId: 'r1',
    tool: 'Bash',
    input: { command: 'make deploy' },
    suggestions: [],
    deadline: Date.now() + 60_000,
    turn: 1,
    signature: 'sig',
    createdAt: Date.now(),
    ...overrides,
  });
  return { sessions, approvals, bus, service, sessionId, prompt };
}

describe('ApprovalService', () => {
  it('stores the first answer and tells the worker holding the session', async () => {
    const s = await setup();
    await s.approvals.open(s.sessionId, s.prompt());
    const answered = await s.service.respond(
      { sessionId: s.sessionId, requestId: 'r1', decision: 'deny', message: 'no' },
      'acme',
    );
    expect(answered).toMatchObject({ requestId: 'r1', decision: 'deny' });
    expect(s.bus.sent).toEqual([{ sessionId: s.sessionId, action: 'answered' }]);
    expect((await s.approvals.answersFor(s.sessionId, ['r1'])).get('r1')).toMatchObject({
      decision: 'deny',
      by: 'client',
      message: 'no',
    });
    await expect(
      s.service.respond({ sessionId: s.sessionId, requestId: 'r1', decision: 'allow' }, 'acme'),
    ).rejects.toThrow('permission request r1 was already answered (deny, by client)');
  });

  it('answers another tenant "not found", an unknown request "not pending"', async () => {
    const s = await setup();
    await s.approvals.open(s.sessionId, s.prompt());
    const args = { sessionId: s.sessionId, requestId: 'r1', decision: 'allow' as const };
    await expect(s.service.respond(args, 'globex')).rejects.toThrow(/not found/);
    await expect(s.service.pending('globex', s.sessionId)).rejects.toThrow(/not found/);
    await expect(s.service.respond({ ...args, requestId: 'r9' }, 'acme')).rejects.toThrow(
      /not pending/,
    );
    expect(s.bus.sent).toEqual([]);
    expect(await s.service.pending('acme', s.sessionId)).toHaveLength(1);
  });

  it('wants answers for a question, and none for a tool call', async () => {
    const s = await setup();
    await s.approvals.open(
      s.sessionId,
      s.prompt({ requestId: 'q1', tool: 'AskUserQuestion', questions: [{ question: 'Which?' }] }),
    );
    await s.approvals.open(s.sessionId, s.prompt());
    const base = { sessionId: s.sessionId, decision: 'allow' as const };
    await expect(s.service.respond({ ...base, requestId: 'q1' }, 'acme')).rejects.toThrow(
      /is a question/,
    );
    await expect(
      s.service.respond({ ...base, requestId: 'r1', answers: { a: 'b' } }, 'acme'),
    ).rejects.toThrow(/leave answers out/);
    await s.service.respond({ ...base, requestId: 'q1', answers: { 'Which?': 'that' } }, 'acme');
  });

  it('a session whose turn is over waits for nothing (terminated under a prompt)', async () => {
    const s = await setup();
    await s.approvals.open(s.sessionId, s.prompt());
    await s.sessions.transition(s.sessionId, 'terminated');
    expect(await s.service.pending('acme', s.sessionId)).toEqual([]);
    await expect(
      s.service.respond({ sessionId: s.sessionId, requestId: 'r1', decision: 'allow' }, 'acme'),
    ).rejects.toThrow(/not pending/);
  });
});

describe('TurnWatch', () => {
  const event = (turn: number, kind: SessionEvent['kind'], data: unknown): SessionEvent => ({
    id: '1-0',
    seq: 1,
    turn,
    kind,
    ts: 0,
    data,
  });

  it('ends a waited call at its turn’s permission request, saying how to answer', () => {
    const watch = new TurnWatch(2);
    const request = {
      requestId: 'r1',
      tool: 'Bash',
      input: { command: 'ls' },
      suggestions: [],
      deadline: 1_000,
    };
    expect(watch.observe(event(1, 'permission_request', request))).toBeUndefined();
    const end = watch.observe(event(2, 'permission_request', request));
    expect(end).toMatchObject({
      status: 'waiting',
      pending: { requestId: 'r1', tool: 'Bash', input: { command: 'ls' }, deadline: 1_000 },
    });
    expect(end?.message).toContain('session_respond');
  });

  it('follows the turn through its prompts for a caller that relays them itself (a task)', () => {
    const watch = new TurnWatch(2, 'follow');
    const request = { requestId: 'r1', tool: 'Bash', input: {}, suggestions: [], deadline: 1 };
    expect(watch.observe(event(2, 'permission_request', request))).toBeUndefined();
    expect(watch.observe(event(2, 'status', { status: 'idle' }))).toMatchObject({ status: 'idle' });
  });
});
