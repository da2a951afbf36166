import { randomUUID } from 'node:crypto';
import type { SessionStore } from '../session-store';
import { InvalidRequest } from '@app/contracts';
import { IllegalTransition, SessionClosed, SessionNotFound } from '../errors';

type Store = Pick<
  SessionStore,
  'create' | 'get' | 'find' | 'list' | 'transition' | 'nextTurn' | 'recordResult'
>;

/**
 * What every session store must do, run against Redis (the real one) and against the in-memory
 * one the orchestration specs use, so the two cannot drift apart.
 */
export function sessionStoreContract(storeOf: () => Store): void {
  let store: Store;
  beforeAll(() => {
    store = storeOf();
  });

  it('creates a queued session that only its tenant can read', async () => {
    const created = await store.create('acme', { model: 'claude-x', allowedTools: ['Bash'] });
    const read = await store.get('acme', created.id);
    expect(read).toEqual(created);
    expect(read.status).toBe('queued');
    await expect(store.get('globex', created.id)).rejects.toBeInstanceOf(SessionNotFound);
    await expect(store.get('acme', randomUUID())).rejects.toBeInstanceOf(SessionNotFound);
  });

  it('allows only legal transitions, atomically', async () => {
    const { id } = await store.create('acme', {});
    expect(await store.transition(id, 'running')).toBe('queued');
    await expect(store.transition(id, 'hibernated')).rejects.toBeInstanceOf(IllegalTransition);
    expect(await store.transition(id, 'idle', { patch: { claudeSessionId: 'c-1' } })).toBe(
      'running',
    );
    expect((await store.find(id))?.claudeSessionId).toBe('c-1');
    // Two racers: exactly one wins idle → running.
    const outcomes = await Promise.allSettled([
      store.transition(id, 'running', { from: ['idle'] }),
      store.transition(id, 'running', { from: ['idle'] }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    await store.transition(id, 'terminated');
    await expect(store.transition(id, 'running')).rejects.toThrow(
      /terminated and cannot become running/,
    );
  });

  it('numbers turns and re-queues idle, hibernated and failed sessions', async () => {
    const { id } = await store.create('acme', {});
    expect(await store.nextTurn('acme', id)).toEqual({ turn: 1, previous: 'queued' });
    await store.transition(id, 'running');
    expect(await store.nextTurn('acme', id)).toEqual({ turn: 2, previous: 'running' });
    expect((await store.find(id))?.status).toBe('running');
    await store.transition(id, 'failed', { patch: { lastError: 'crash' } });
    expect(await store.nextTurn('acme', id)).toEqual({ turn: 3, previous: 'failed' });
    expect((await store.find(id))?.status).toBe('queued');
    await expect(store.nextTurn('globex', id)).rejects.toBeInstanceOf(SessionNotFound);
    await store.transition(id, 'terminated');
    await expect(store.nextTurn('acme', id)).rejects.toBeInstanceOf(SessionClosed);
  });

  it('sums usage and cost of each result', async () => {
    const { id } = await store.create('acme', {});
    const figures = {
      inputTokens: 10,
      outputTokens: 5,
      cacheCreationTokens: 2,
      cacheReadTokens: 1,
      costUsd: 0.25,
    };
    await store.recordResult(id, { ...figures, claudeSessionId: 'abc' });
    await store.recordResult(id, figures);
    const r = await store.find(id);
    expect(r).toMatchObject({
      completedTurns: 2,
      costUsd: 0.5,
      claudeSessionId: 'abc',
      usage: {
        input_tokens: 20,
        output_tokens: 10,
        cache_creation_input_tokens: 4,
        cache_read_input_tokens: 2,
      },
    });
  });

  it('lists a tenant’s sessions newest first, paging without gaps or repeats', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await store.create(tenant, {})).id);
    await store.create('someone-else', {});
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(tenant, { limit: 7, cursor });
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.next;
      if (seen.length === 7) await store.create(tenant, {}); // a newer session must not shift pages
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect([...seen].sort()).toEqual([...ids].sort());
    const created = await Promise.all(
      seen.map(async (id) => (await store.find(id))?.createdAt ?? 0),
    );
    expect(created).toEqual([...created].sort((a, b) => b - a));
    await store.transition(ids[3], 'running');
    const running = await store.list(tenant, { limit: 10, status: 'running' });
    expect(running.sessions.map((s) => s.id)).toEqual([ids[3]]);
    await expect(store.list(tenant, { limit: 5, cursor: 'bogus' })).rejects.toThrow(InvalidRequest);
  });
}
