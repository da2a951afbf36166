import { randomUUID } from 'node:crypto';
import { eventually } from '@app/testing/eventually';
import { useTestRedisTarget, type TestRedisTarget } from '@app/testing/services';
import { TaskStore, type NewTask } from './task-store';

function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    taskId: randomUUID(),
    tenant: 'acme',
    tool: 'session_send',
    ttlMs: 60_000,
    pollIntervalMs: 1_000,
    leaseUntil: Date.now() + 30_000,
    ...overrides,
  };
}

function taskStoreSuite(target: () => TestRedisTarget): void {
  let store: TaskStore;
  beforeAll(() => {
    store = new TaskStore(target().client());
  });

  it('reads back a created task, for its tenant only', async () => {
    const created = await store.create(
      newTask({ sessionId: 's1', statusMessage: 'queued', elicitsForms: true }),
    );
    expect(await store.get(created.taskId, 'acme')).toEqual(created);
    expect(created).toMatchObject({
      status: 'working',
      sessionId: 's1',
      statusMessage: 'queued',
      elicitsForms: true,
    });
    expect((await store.create(newTask())).elicitsForms).toBe(false);
    expect(await store.get(created.taskId, 'globex')).toBeUndefined();
    expect(await store.get('not-a-task-id', 'acme')).toBeUndefined();
  });

  it('keeps a final status: a completion after a cancel is refused', async () => {
    const { taskId } = await store.create(newTask());
    expect(await store.transition(taskId, 'cancelled')).toEqual({ kind: 'ok', before: 'working' });
    expect(await store.transition(taskId, 'completed', { result: '{"content":[]}' })).toEqual({
      kind: 'refused',
      status: 'cancelled',
    });
    const task = await store.get(taskId, 'acme');
    expect(task).toMatchObject({ status: 'cancelled' });
    expect(task?.result).toBeUndefined();
  });

  it('lets exactly one of many racing final transitions win', async () => {
    const { taskId } = await store.create(newTask());
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.transition(taskId, i % 2 ? 'cancelled' : 'completed', { result: `{"n":${i}}` }),
      ),
    );
    expect(outcomes.filter((o) => o.kind === 'ok')).toHaveLength(1);
    const task = await store.get(taskId, 'acme');
    expect(['cancelled', 'completed']).toContain(task?.status);
  });

  it('moves between working and input_required, deleting fields set to null', async () => {
    const { taskId } = await store.create(newTask());
    await store.transition(taskId, 'input_required', { inputRequests: '{"r1":{}}' });
    expect((await store.get(taskId, 'acme'))?.inputRequests).toEqual({ r1: {} });
    await store.transition(
      taskId,
      'working',
      { inputRequests: null },
      { from: ['input_required'] },
    );
    const task = await store.get(taskId, 'acme');
    expect(task?.status).toBe('working');
    expect(task?.inputRequests).toBeUndefined();
  });

  it('renews a lease without touching lastUpdatedAt, and reports a missing task', async () => {
    const created = await store.create(newTask());
    // A touching write now would move lastUpdatedAt: the renewal must not.
    await eventually('the clock to pass the creation', () => Date.now() > created.lastUpdatedAt);
    await store.transition(created.taskId, undefined, { leaseUntil: '1' }, { touch: false });
    const task = await store.get(created.taskId, 'acme');
    expect(task).toMatchObject({ leaseUntil: 1, lastUpdatedAt: created.lastUpdatedAt });
    expect(await store.transition(randomUUID(), 'cancelled')).toEqual({ kind: 'missing' });
  });
}

describe('TaskStore (real Redis)', () => {
  taskStoreSuite(useTestRedisTarget({ topology: 'single', label: 'tasks' }));
});

describe('TaskStore on a Redis Cluster', () => {
  taskStoreSuite(useTestRedisTarget({ topology: 'cluster', label: 'tasks-cluster' }));
});
