/**
 * Turns as tasks, end to end: a 2026-07-28 client that declares the tasks extension sends
 * session_send on gateway A and gets a task; gateway B answers tasks/get (what the turn is doing
 * now, then the waited call's result) and tasks/cancel (the turn stops on its worker). Real
 * Redis, worker and claude CLI against the Messages API stub.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eventually } from '@app/testing/eventually';
import type { MessagesStub } from '@app/testing/messages-stub';
import { sessionDirs } from '../apps/worker/src/runtime/session-dirs';
import { ModernClient } from './support/mcp-modern-client';
import {
  callTool,
  connectClient,
  startRealCliSystem,
  TENANT_KEYS,
  type RealCliSystem,
} from './support/system';

let world: RealCliSystem;
let stub: MessagesStub;
let acme: Client;
let urlA: URL;
let urlB: URL;

beforeAll(async () => {
  world = await startRealCliSystem('turn-tasks', { SESSION_IDLE_MS: '60000' });
  stub = world.stub;
  urlA = world.system.urls[0];
  urlB = await world.system.addGateway();
  acme = await connectClient(urlA, 'acme');
}, 60_000);

afterAll(async () => {
  await acme?.close();
  await world?.close();
});

// A cancelled turn can leave its scripted replies unused: each test starts from an empty script.
beforeEach(() => stub.reset());

/** A tasks client; like Claude Code it can answer a form elicitation unless told otherwise. */
const tasksOn = (url: URL, tenant: keyof typeof TENANT_KEYS = 'acme', elicitation = true) =>
  new ModernClient(url, { key: TENANT_KEYS[tenant], tasks: true, elicitation });

async function idleSession(options: Record<string, unknown> = {}): Promise<string> {
  stub.enqueue({ text: 'ready' });
  const started = await callTool<{ sessionId: string; status: string }>(acme, 'session_start', {
    prompt: 'get ready',
    wait: true,
    ...options,
  });
  expect(started.status).toBe('idle');
  return started.sessionId;
}

async function taskOf(url: URL, taskId: string): Promise<Record<string, unknown>> {
  const got = await tasksOn(url).tasksGet(taskId);
  expect(got.error).toBeUndefined();
  return got.result ?? {};
}

it('session_send as a task: created on A, completed on B with the waited result', async () => {
  const sessionId = await idleSession();
  stub.enqueue({ text: 'the answer is 42' });
  const created = await tasksOn(urlA).callTool('session_send', { sessionId, message: 'answer?' });
  expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
  const taskId = String(created.result?.taskId);

  let task: Record<string, unknown> = {};
  await eventually(
    'the task to complete on B',
    async () => (task = await taskOf(urlB, taskId)).status === 'completed',
    30_000,
  );
  const result = task.result as {
    content: Array<{ text?: string }>;
    structuredContent: Record<string, unknown>;
  };
  // The answer a waited call gives: the model's text first, the CLI result in structuredContent.
  expect(result.content[0]?.text).toMatch(/^the answer is 42\n\n\[turn 2 of session /);
  expect(result.structuredContent).toMatchObject({
    status: 'idle',
    turn: 2,
    result: { type: 'result', result: 'the answer is 42' },
    events: expect.any(String),
  });
  // The same keys a waited session_send answers with.
  stub.enqueue({ text: 'again' });
  const waited = await callTool(acme, 'session_send', { sessionId, message: 'again', wait: true });
  expect(Object.keys(result.structuredContent).sort()).toEqual(Object.keys(waited).sort());

  const foreign = await tasksOn(urlB, 'globex').tasksGet(taskId);
  expect(foreign.error).toEqual({
    code: -32602,
    message: 'Failed to retrieve task: Task not found',
  });
}, 90_000);

it('says what the turn is doing, and tasks/cancel on B interrupts it on its worker', async () => {
  const sessionId = await idleSession({ allowedTools: ['Bash'] });
  stub.enqueue(
    // A command that blocks until killed (the CLI refuses a bare long `sleep` at once).
    { toolUse: { name: 'Bash', input: { command: 'tail -f /dev/null', description: 'wait' } } },
    { text: 'slept' },
  );
  const created = await tasksOn(urlA).callTool('session_send', { sessionId, message: 'sleep' });
  const taskId = String(created.result?.taskId);

  let seen: Record<string, unknown> = {};
  await eventually(
    () => `the task to say it runs the command (last seen: ${JSON.stringify(seen)})`,
    async () =>
      (seen = await taskOf(urlB, taskId)).statusMessage === 'running Bash: tail -f /dev/null',
    30_000,
  );
  const cancel = await tasksOn(urlB).tasksCancel(taskId);
  expect(cancel.result).toMatchObject({ resultType: 'complete' });
  expect(await taskOf(urlB, taskId)).toMatchObject({ status: 'cancelled' });

  // The turn was interrupted on its worker (its command would never have ended).
  await eventually(
    'the session to be idle again',
    async () =>
      (await callTool<{ status: string }>(acme, 'session_status', { sessionId })).status === 'idle',
    20_000,
  );
  expect(await taskOf(urlA, taskId)).toMatchObject({ status: 'cancelled' });
}, 90_000);

it('a prompt of an "ask" session makes the task input_required; tasks/update on B answers it', async () => {
  const sessionId = await idleSession({ permissions: 'ask' });
  stub.enqueue(
    { toolUse: { name: 'Bash', input: { command: 'echo approved > task.txt', description: 'w' } } },
    { text: 'Wrote it.' },
  );
  const created = await tasksOn(urlA).callTool('session_send', { sessionId, message: 'write' });
  const taskId = String(created.result?.taskId);

  let task: Record<string, unknown> = {};
  await eventually(
    'the task to ask for approval',
    async () => (task = await taskOf(urlB, taskId)).status === 'input_required',
    30_000,
  );
  expect(task.statusMessage).toBe('waiting for approval: Bash: echo approved > task.txt');
  const [requestId, request] = Object.entries(task.inputRequests as Record<string, unknown>)[0];
  expect(request).toMatchObject({ method: 'elicitation/create', params: { mode: 'form' } });

  const update = await tasksOn(urlB).request('tasks/update', {
    taskId,
    inputResponses: { [requestId]: { action: 'accept', content: { decision: 'allow' } } },
  });
  expect(update.error).toBeUndefined();
  expect(update.result).toMatchObject({ resultType: 'complete' });
  await eventually(
    'the task to complete',
    async () => (task = await taskOf(urlA, taskId)).status === 'completed',
    30_000,
  );
  expect((task.result as { structuredContent: unknown }).structuredContent).toMatchObject({
    status: 'idle',
    result: { result: 'Wrote it.' },
  });
}, 90_000);

type Answer = 'allow' | 'deny' | 'deadline';

describe('session_start as a task in an "ask" session: its first prompt answered', () => {
  it.each<[Answer, string]>([
    ['allow', 'Started and wrote it.'],
    ['deny', 'Understood, not writing it.'],
    ['deadline', 'No answer, moving on.'],
  ])(
    '%s (tasks/update on B, or nobody)',
    async (answer, reply) => {
      stub.enqueue(
        {
          toolUse: {
            name: 'Bash',
            input: { command: 'echo started > start.txt', description: 'w' },
          },
        },
        { text: reply },
      );
      const created = await tasksOn(urlA).callTool('session_start', {
        prompt: 'write',
        permissions: 'ask',
        ...(answer === 'deadline' ? { approvalTimeoutMs: 2_000 } : {}),
      });
      expect(created.result).toMatchObject({ resultType: 'task' });
      const taskId = String(created.result?.taskId);

      let task: Record<string, unknown> = {};
      await eventually(
        'the task to ask for approval',
        async () => (task = await taskOf(urlB, taskId)).status === 'input_required',
        30_000,
      );
      const [requestId] = Object.keys(task.inputRequests as Record<string, unknown>);
      if (answer !== 'deadline') {
        const decision =
          answer === 'allow' ? { decision: 'allow' } : { decision: 'deny', message: 'Not here.' };
        const update = await tasksOn(urlB).request('tasks/update', {
          taskId,
          inputResponses: { [requestId]: { action: 'accept', content: decision } },
        });
        expect(update.error).toBeUndefined();
      }
      await eventually(
        'the task to complete',
        async () => (task = await taskOf(urlA, taskId)).status === 'completed',
        30_000,
      );
      const { structuredContent } = task.result as { structuredContent: { sessionId: string } };
      expect(structuredContent).toMatchObject({ status: 'idle', result: { result: reply } });
      const { sessionId } = structuredContent;
      const events = await callTool<{ events: Array<{ kind: string; data: unknown }> }>(
        acme,
        'session_events',
        { sessionId },
      );
      expect(events.events.find((e) => e.kind === 'permission_resolved')?.data).toMatchObject({
        requestId,
        decision: answer === 'allow' ? 'allow' : 'deny',
        by: answer === 'deadline' ? 'deadline' : 'client',
      });
      const written = join(
        sessionDirs(world.system.config.storage.dataDir, sessionId).workspaceDir,
        'start.txt',
      );
      expect(existsSync(written)).toBe(answer === 'allow');
      if (answer === 'deny') {
        // Claude was told why: the message is the tool's error.
        const sent = stub
          .conversationRequests()
          .flatMap((body) => body.messages)
          .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
          .find((block) => block.type === 'tool_result');
        expect(sent).toMatchObject({ is_error: true, content: 'Not here.' });
      }
    },
    90_000,
  );
});

it('a client that cannot elicit: the task stays working and its message names the session_respond call', async () => {
  stub.enqueue(
    { toolUse: { name: 'Bash', input: { command: 'echo plain > plain.txt', description: 'w' } } },
    { text: 'Wrote it plainly.' },
  );
  const created = await tasksOn(urlA, 'acme', false).callTool('session_start', {
    prompt: 'write',
    permissions: 'ask',
  });
  const taskId = String(created.result?.taskId);
  let task: Record<string, unknown> = {};
  await eventually(
    'the task to say how to answer the prompt',
    async () => /session_respond/.test(String((task = await taskOf(urlB, taskId)).statusMessage)),
    30_000,
  );
  expect(task.status).toBe('working');
  const answer = /sessionId: "([0-9a-f-]{36})", requestId: "([^"]+)"/.exec(
    String(task.statusMessage),
  );
  expect(task.statusMessage).toMatch(
    /^waiting for approval: Bash: echo plain > plain\.txt; answer with/,
  );
  expect(answer).not.toBeNull();
  const [, sessionId, requestId] = answer ?? [];
  await callTool(acme, 'session_respond', { sessionId, requestId, decision: 'allow' });
  await eventually(
    'the task to complete',
    async () => (task = await taskOf(urlA, taskId)).status === 'completed',
    30_000,
  );
  expect((task.result as { structuredContent: unknown }).structuredContent).toMatchObject({
    sessionId,
    status: 'idle',
    result: { result: 'Wrote it plainly.' },
  });
}, 90_000);

it('a stopping gateway hands its task on: the next tasks/get elsewhere follows the turn to its end', async () => {
  const urlC = await world.system.addGateway();
  const gatewayC = world.system.gateways[world.system.gateways.length - 1];
  const sessionId = await idleSession({ permissions: 'ask' });
  stub.enqueue(
    { toolUse: { name: 'Bash', input: { command: 'echo handed > handed.txt', description: 'w' } } },
    { text: 'Handed on and wrote it.' },
  );
  const created = await tasksOn(urlC).callTool('session_send', { sessionId, message: 'write' });
  const taskId = String(created.result?.taskId);
  let task: Record<string, unknown> = {};
  await eventually(
    'the task to ask for approval',
    async () => (task = await taskOf(urlA, taskId)).status === 'input_required',
    30_000,
  );

  // Its gateway stops while the turn waits: the task is not held up for the drain, nor lost.
  const stopping = Date.now();
  await gatewayC.close();
  const stopMs = Date.now() - stopping;
  console.log(`gateway with a running task stopped in ${stopMs} ms`);
  expect(stopMs).toBeLessThan(world.system.config.http.drainMs);

  const [requestId] = Object.keys(task.inputRequests as Record<string, unknown>);
  expect(await taskOf(urlA, taskId)).toMatchObject({ status: 'input_required' }); // taken over
  const update = await tasksOn(urlA).request('tasks/update', {
    taskId,
    inputResponses: { [requestId]: { action: 'accept', content: { decision: 'allow' } } },
  });
  expect(update.error).toBeUndefined();
  await eventually(
    'the task to complete on the replica that took it over',
    async () => (task = await taskOf(urlB, taskId)).status === 'completed',
    30_000,
  );
  expect((task.result as { structuredContent: unknown }).structuredContent).toMatchObject({
    status: 'idle',
    result: { result: 'Handed on and wrote it.' },
  });
}, 90_000);
