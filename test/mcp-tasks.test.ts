/**
 * The 2026-07-28 tasks extension over real HTTP and real Redis, two gateway replicas: a task is
 * created on one and read, cancelled, refused on the other. The tool is a fake (`slow`) run as a
 * task; test/mcp-turn-tasks.e2e.test.ts runs the real session_send as one.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { eventually } from '@app/testing/eventually';
import { useTestRedis } from '@app/testing/services';
import { fakeToolset, startTestGateway, type TestGateway } from './support/mcp-test-gateway';
import { TaskStore } from '../apps/gateway/src/tasks';
import { ModernClient, TASKS } from './support/mcp-modern-client';
import { withTimeout } from './support/mcp-test-client';

const ACME_KEY = 'acme-key-0123456789abcdef';
const GLOBEX_KEY = 'globex-key-0123456789abcdef';

const redis = useTestRedis({ label: 'mcp-tasks' });

describe('tasks (io.modelcontextprotocol/tasks) across two replicas', () => {
  const { tools, probe } = fakeToolset();
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    const options = {
      redisUrl: redis().url,
      keyPrefix: redis().keyPrefix,
      apiKeys: `acme:${ACME_KEY},globex:${GLOBEX_KEY}`,
      tools,
      taskTools: { slow: (args: Record<string, unknown>) => args },
      taskOptions: { pollIntervalMs: 50 },
    };
    [a, b] = await Promise.all([startTestGateway(options), startTestGateway(options)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const acmeOn = (g: TestGateway) => new ModernClient(g.url, { key: ACME_KEY, tasks: true });

  async function createTask(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const created = await acmeOn(a).callTool('slow', args);
    expect(created.error).toBeUndefined();
    return created.result ?? {};
  }

  it('advertises the extension in server/discover', async () => {
    const discovered = await acmeOn(b).request('server/discover');
    expect(discovered.result).toMatchObject({
      supportedVersions: ['2026-07-28'],
      capabilities: { extensions: { [TASKS]: {} } },
    });
  });

  it('answers a declared call with a task that the other replica sees completed with the waited result', async () => {
    const task = await createTask({ steps: 3, delayMs: 100 });
    expect(task).toMatchObject({
      resultType: 'task',
      taskId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'working',
      ttlMs: expect.any(Number),
      pollIntervalMs: 50,
    });
    // Durable before the answer: the other replica resolves it at once.
    const first = await acmeOn(b).tasksGet(String(task.taskId));
    expect(first.result).toMatchObject({ resultType: 'complete', taskId: task.taskId });

    let done: Record<string, unknown> = {};
    await eventually('the task to complete', async () => {
      done = (await acmeOn(b).tasksGet(String(task.taskId))).result ?? {};
      return done.status === 'completed';
    });
    // The same call without the extension: what a waited call answers, the task's result is.
    const plain = new ModernClient(a.url, { key: ACME_KEY });
    const waited = await plain.callTool('slow', { steps: 3, delayMs: 1 });
    const { resultType, _meta, ...waitedResult } = waited.result ?? {};
    expect(resultType).toBe('complete');
    expect(done.result).toEqual(waitedResult);
    expect(waitedResult).toEqual({
      content: [{ type: 'text', text: '{"steps":3}' }],
      structuredContent: { steps: 3 },
    });
  });

  it('is cancelled from the other replica mid-run: the call is aborted and the cancel stays', async () => {
    // Sees every command Redis runs: the aborted call's attempt to complete its task is one.
    const monitor = await new Redis(redis().url).monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
    const aborted = probe.nextAbort();
    const task = await createTask({ steps: 100, delayMs: 100 });
    const cancel = await acmeOn(b).tasksCancel(String(task.taskId));
    expect(cancel.result).toMatchObject({ resultType: 'complete' });
    const reason = await withTimeout(aborted, 5_000, 'the call to be aborted');
    expect(String(reason)).toMatch(/cancelled the call: tasks\/cancel/);
    // The aborted call ends (with a tool error) after the cancel: its outcome does not replace it.
    try {
      await eventually('the aborted call to try to complete its task', () =>
        commands.some(
          (args) => args.includes('completed') && args.some((a) => a.includes(String(task.taskId))),
        ),
      );
    } finally {
      monitor.disconnect();
    }
    const got = await acmeOn(a).tasksGet(String(task.taskId));
    expect(got.result).toMatchObject({
      status: 'cancelled',
      statusMessage: 'cancelled by the client',
    });
  });

  it("answers another tenant's tasks/get and tasks/cancel as not found", async () => {
    const task = await createTask({ steps: 2, delayMs: 10 });
    const globex = new ModernClient(b.url, { key: GLOBEX_KEY, tasks: true });
    for (const answer of [
      await globex.tasksGet(String(task.taskId)),
      await globex.tasksCancel(String(task.taskId)),
      await globex.tasksGet('00000000-0000-4000-8000-000000000000'),
    ]) {
      expect(answer.error).toEqual({
        code: -32602,
        message: 'Failed to retrieve task: Task not found',
      });
    }
    await eventually('the task to complete', async () => {
      const got = await acmeOn(b).tasksGet(String(task.taskId));
      return got.result?.status === 'completed';
    });
  });

  it('fails a task whose gateway stopped renewing its lease, saying what to read instead', async () => {
    const client = new Redis(redis().url, { keyPrefix: redis().keyPrefix });
    try {
      // What a gateway that died mid-call leaves behind: a working task nobody renews.
      const { taskId } = await new TaskStore(client).create({
        taskId: randomUUID(),
        tenant: 'acme',
        tool: 'slow',
        ttlMs: 60_000,
        pollIntervalMs: 50,
        leaseUntil: Date.now() - 1,
      });
      const got = await acmeOn(b).tasksGet(taskId);
      expect(got.result).toMatchObject({
        status: 'failed',
        error: {
          code: -32603,
          message: expect.stringMatching(/session_status and session_events/),
        },
      });
    } finally {
      await client.quit();
    }
  });

  it('answers a call without the extension as before, with progress', async () => {
    const plain = new ModernClient(a.url, { key: ACME_KEY });
    const answer = await plain.callTool('slow', { steps: 2, delayMs: 5 }, { progressToken: 'p' });
    expect(answer.result).toMatchObject({
      resultType: 'complete',
      structuredContent: { steps: 2 },
    });
    expect(answer.notifications.map((n) => n.method)).toEqual([
      'notifications/progress',
      'notifications/progress',
    ]);
    const refused = await plain.tasksGet('00000000-0000-4000-8000-000000000000');
    expect(refused.error?.code).toBe(-32021);
  });
});
