import { z } from 'zod';
import { defineTool, type ToolContext } from '../mcp';
import type { StoredTask } from './task-record';
import { runTask } from './task-runner';
import type { TaskFields, TaskStore, TransitionOutcome } from './task-store';

class RecordingStore implements Pick<TaskStore, 'transition'> {
  readonly writes: Array<{ to: string | undefined; fields: TaskFields }> = [];
  async transition(_id: string, to: string | undefined, fields: TaskFields = {}) {
    this.writes.push({ to, fields });
    return { kind: 'ok', before: 'working' } as TransitionOutcome;
  }
}

const task: StoredTask = {
  taskId: 't',
  tenant: 'acme',
  tool: 'follow',
  status: 'working',
  createdAt: 0,
  lastUpdatedAt: 0,
  ttlMs: 60_000,
  pollIntervalMs: 1_000,
  leaseUntil: Date.now() + 30_000,
  result: undefined,
  error: undefined,
  inputRequests: undefined,
  elicitsForms: true,
};

/** A turn tool whose waits end before the turn twice (its time limit), then with the turn's end. */
function followTool(ends: Array<{ status: string; events: string }>) {
  const seen: ToolContext[] = [];
  const tool = defineTool({
    name: 'follow',
    description: 'test',
    input: z.object({}),
    handler: async (_args, ctx) => {
      seen.push(ctx);
      if (!ctx.resume) ctx.onTurn?.({ sessionId: 's', turn: 3, events: 'c0' });
      return { ...ends[seen.length - 1] };
    },
  });
  return { tool, seen };
}

const relay = { track: async () => ({ signal: new AbortController().signal, release: () => {} }) };
const env = { tenant: 'acme', protocolVersion: '2026-07-28', writable: async () => undefined };

describe('runTask', () => {
  it('follows on from the cursor when a wait ends before the turn, then records the end', async () => {
    const store = new RecordingStore();
    const { tool, seen } = followTool([
      { status: 'running', events: 'c1' },
      { status: 'running', events: 'c2' },
      { status: 'idle', events: 'c3' },
    ]);
    await runTask(task, tool, {}, env, {
      store,
      cancellations: relay,
      elicitsForms: true,
      leaseMs: 30_000,
      until: new AbortController().signal,
    });
    expect(seen.map((ctx) => ctx.resume?.events)).toEqual([undefined, 'c1', 'c2']);
    expect(store.writes.at(-1)).toMatchObject({ to: 'completed' });
    expect(store.writes[0].fields).toEqual({ sessionId: 's', turn: '3', cursor: 'c0' });
  });

  it('hands the task on when its gateway stops: lease over, cursor kept, no outcome', async () => {
    const store = new RecordingStore();
    const stopping = new AbortController();
    stopping.abort();
    const { tool, seen } = followTool([{ status: 'running', events: 'c1' }]);
    await runTask(task, tool, {}, env, {
      store,
      cancellations: relay,
      elicitsForms: true,
      leaseMs: 30_000,
      until: stopping.signal,
    });
    expect(seen).toHaveLength(1);
    expect(store.writes.at(-1)).toEqual({
      to: undefined,
      fields: { leaseUntil: '0', cursor: 'c1' },
    });
    expect(store.writes.some((w) => w.to === 'completed')).toBe(false);
  });
});
