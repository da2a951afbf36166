import { randomUUID } from 'node:crypto';
import type { ApprovalAnswer, PendingApproval } from '@app/contracts';
import type { Approvals } from '../approval-store';

/** What an approval store must do: the Redis one, and the memory one the fast specs use. */
export function approvalStoreContract(make: () => Approvals): void {
  const prompt = (overrides: Partial<PendingApproval> = {}): PendingApproval => ({
    requestId: randomUUID(),
    tool: 'Bash',
    input: { command: 'touch x' },
    suggestions: [],
    deadline: Date.now() + 60_000,
    turn: 1,
    signature: 'sig-touch-x',
    createdAt: Date.now(),
    ...overrides,
  });
  const answer = (decision: ApprovalAnswer['decision'], by: ApprovalAnswer['by'] = 'client') => ({
    decision,
    by,
    at: Date.now(),
  });

  it('keeps a prompt pending until it is resolved', async () => {
    const store = make();
    const sessionId = randomUUID();
    const p = prompt();
    await store.open(sessionId, p);
    expect(await store.pending(sessionId)).toEqual([p]);
    await store.resolve(sessionId, p.requestId);
    expect(await store.pending(sessionId)).toEqual([]);
  });

  it('lets the first answer win; a second learns which answer counts', async () => {
    const store = make();
    const sessionId = randomUUID();
    const p = prompt();
    await store.open(sessionId, p);
    const [a, b] = await Promise.all([
      store.answer(sessionId, p.requestId, answer('allow')),
      store.answer(sessionId, p.requestId, answer('deny', 'deadline')),
    ]);
    expect(a).toEqual({ kind: 'ok', pending: p });
    expect(b).toMatchObject({ kind: 'answered', answer: { decision: 'allow', by: 'client' } });
    const found = await store.answersFor(sessionId, [p.requestId, 'other']);
    expect([...found.keys()]).toEqual([p.requestId]);
    // Resolved: a late answer still hears that the first one counted.
    await store.resolve(sessionId, p.requestId);
    expect(await store.answer(sessionId, p.requestId, answer('deny'))).toMatchObject({
      kind: 'answered',
    });
  });

  it('refuses answers to prompts that were never asked or were cleared', async () => {
    const store = make();
    const sessionId = randomUUID();
    expect(await store.answer(sessionId, 'nope', answer('allow'))).toEqual({
      kind: 'not_pending',
    });
    const p = prompt();
    await store.open(sessionId, p);
    expect(await store.clear(sessionId)).toEqual([p]);
    expect(await store.answer(sessionId, p.requestId, answer('allow'))).toEqual({
      kind: 'not_pending',
    });
  });

  it('remembers an allow_session answer for calls with the same signature', async () => {
    const store = make();
    const sessionId = randomUUID();
    const p = prompt({ signature: 'sig-a' });
    await store.open(sessionId, p);
    expect(await store.isAllowed(sessionId, 'sig-a')).toBe(false);
    await store.answer(sessionId, p.requestId, answer('allow_session'));
    expect(await store.isAllowed(sessionId, 'sig-a')).toBe(true);
    expect(await store.isAllowed(sessionId, 'sig-b')).toBe(false);
    expect(await store.isAllowed(randomUUID(), 'sig-a')).toBe(false);
  });
}
