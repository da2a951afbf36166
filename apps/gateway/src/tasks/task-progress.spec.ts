import type { TaskFields, TaskStore, TransitionOutcome } from './task-store';
import type { TaskStatus } from './task-record';
import { TaskProgress } from './task-progress';

/** Records the transitions asked for; each write ends on a later turn of the event loop, as a
 * Redis round trip does, so observations made meanwhile queue up behind it. */
class SlowStore implements Pick<TaskStore, 'transition'> {
  readonly writes: Array<{ to: TaskStatus | undefined; fields: TaskFields }> = [];
  async transition(
    _taskId: string,
    to: TaskStatus | undefined,
    fields: TaskFields = {},
  ): Promise<TransitionOutcome> {
    await new Promise((resolve) => setImmediate(resolve));
    this.writes.push({ to, fields });
    return { kind: 'ok', before: 'working' };
  }
}

const event = (kind: string, data: unknown) => JSON.stringify({ kind, data });
const toolUse = (command: string) =>
  event('claude', {
    type: 'assistant',
    message: { content: [{ type: 'tool_use', name: 'Bash', input: { command } }] },
  });

describe('TaskProgress', () => {
  it('writes the latest status message only, and never drops a status change', async () => {
    const store = new SlowStore();
    const progress = new TaskProgress(store, 't');
    progress.observe(toolUse('one'));
    for (const command of ['two', 'three', 'four']) progress.observe(toolUse(command));
    progress.observe(
      event('permission_request', { requestId: 'r1', tool: 'Bash', input: { command: 'rm x' } }),
    );
    progress.observe(toolUse('five'));
    progress.observe(event('permission_resolved', { requestId: 'r1' }));
    progress.observe('not an event');
    await progress.settled();
    expect(store.writes.map((w) => [w.to, w.fields.statusMessage])).toEqual([
      [undefined, 'running Bash: one'],
      [undefined, 'running Bash: four'],
      ['input_required', 'waiting for approval: Bash: rm x'],
      [undefined, 'running Bash: five'],
      ['working', 'approval answered'],
    ]);
  });

  it('records the turn a call queued (and its session) before the prompts that follow it', async () => {
    const store = new SlowStore();
    const progress = new TaskProgress(store, 't');
    progress.observe(toolUse('one'));
    progress.turn({ sessionId: 's-1', turn: 1, events: '0-0' });
    progress.observe(event('permission_request', { requestId: 'r1', tool: 'Bash' }));
    await progress.settled();
    expect(store.writes.map((w) => [w.to, w.fields.sessionId ?? w.fields.statusMessage])).toEqual([
      [undefined, 'running Bash: one'],
      [undefined, 's-1'],
      ['input_required', 'waiting for approval: Bash'],
    ]);
  });

  it('for a client that cannot elicit, a prompt stays a message naming the session_respond call', async () => {
    const store = new SlowStore();
    const progress = new TaskProgress(store, 't', { askable: false, sessionId: 's-1' });
    progress.observe(
      event('permission_request', { requestId: 'r1', tool: 'Bash', input: { command: 'ls' } }),
    );
    progress.observe(event('permission_resolved', { requestId: 'r1' }));
    await progress.settled();
    expect(store.writes.map((w) => [w.to, w.fields.statusMessage])).toEqual([
      [
        undefined,
        'waiting for approval: Bash: ls; answer with session_respond { sessionId: "s-1", requestId: "r1", decision }',
      ],
      [undefined, 'approval answered'],
    ]);
  });

  it('skips a message equal to the last one', async () => {
    const store = new SlowStore();
    const progress = new TaskProgress(store, 't');
    progress.observe(toolUse('same'));
    await progress.settled();
    progress.observe(toolUse('same'));
    await progress.settled();
    expect(store.writes).toHaveLength(1);
  });
});
