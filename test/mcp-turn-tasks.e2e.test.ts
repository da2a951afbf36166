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
import { TASK_DEFAULTS } from '../apps/gateway/src/tasks';
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

/** Scripts a turn that asks to run a Bash `command`, then answers `reply`. */
function scriptPrompt(command: string, reply: string): void {
  stub.enqueue(
    { toolUse: { name: 'Bash', input: { command, description: 'w' } } },
    { text: reply },
  );
}

/** Polls `url` until the task's status is `status` (or `done` says so); returns what it saw. */
async function taskUntil(
  url: URL,
  taskId: string,
  what: string,
  done: (task: Record<string, unknown>) => boolean,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  let task: Record<string, unknown> = {};
  await eventually(what, async () => done((task = await taskOf(url, taskId))), timeoutMs);
  return task;
}

const withStatus = (status: string) => (task: Record<string, unknown>) => task.status === status;

/** Answers a task's input request with the decision form, as a client that elicits does. */
async function answerTask(url: URL, taskId: string, requestId: string, content: object) {
  const update = await tasksOn(url).request('tasks/update', {
    taskId,
    inputResponses: { [requestId]: { action: 'accept', content } },
  });
  expect(update.error).toBeUndefined();
  return update;
}

/** The turn's structured result a completed task holds. */
const structuredOf = (task: Record<string, unknown>) =>
  (task.result as { structuredContent: Record<string, unknown> }).structuredContent;

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
  scriptPrompt('echo approved > task.txt', 'Wrote it.');
  const created = await tasksOn(urlA).callTool('session_send', { sessionId, message: 'write' });
  const taskId = String(created.result?.taskId);

  const asking = await taskUntil(urlB, taskId, 'the task to ask', withStatus('input_required'));
  expect(asking.statusMessage).toBe('waiting for approval: Bash: echo approved > task.txt');
  const [requestId, request] = Object.entries(asking.inputRequests as Record<string, unknown>)[0];
  expect(request).toMatchObject({ method: 'elicitation/create', params: { mode: 'form' } });

  const update = await answerTask(urlB, taskId, requestId, { decision: 'allow' });
  expect(update.result).toMatchObject({ resultType: 'complete' });
  const done = await taskUntil(urlA, taskId, 'the task to complete', withStatus('completed'));
  expect(structuredOf(done)).toMatchObject({ status: 'idle', result: { result: 'Wrote it.' } });
}, 90_000);

it("AskUserQuestion in a task: the form asks the question, and tasks/update's answer reaches Claude", async () => {
  const sessionId = await idleSession({ permissions: 'ask' });
  // As the CLI's schema wants it (an option without a description is refused as bad input).
  const questions = [
    {
      question: 'Which color?',
      header: 'Color',
      multiSelect: false,
      options: [
        { label: 'red', description: 'warm' },
        { label: 'blue', description: 'cool' },
      ],
    },
  ];
  stub.enqueue(
    { toolUse: { name: 'AskUserQuestion', input: { questions } } },
    { text: 'Blue it is.' },
  );
  const created = await tasksOn(urlA).callTool('session_send', { sessionId, message: 'ask me' });
  const taskId = String(created.result?.taskId);
  const asking = await taskUntil(urlB, taskId, 'the task to ask', withStatus('input_required'));
  const [requestId, request] = Object.entries(asking.inputRequests as Record<string, unknown>)[0];
  expect(request).toMatchObject({
    params: { requestedSchema: { properties: { q0: { title: 'Which color?' } } } },
  });

  await answerTask(urlB, taskId, requestId, { q0: 'blue' });
  const done = await taskUntil(urlA, taskId, 'the task to complete', withStatus('completed'));
  expect(structuredOf(done)).toMatchObject({ status: 'idle', result: { result: 'Blue it is.' } });
  const events = await callTool<{ events: Array<{ kind: string; data: unknown }> }>(
    acme,
    'session_events',
    { sessionId },
  );
  // Answered as the question it was: allowed, with the answer (it was recorded as deny).
  expect(events.events.find((e) => e.kind === 'permission_resolved')?.data).toMatchObject({
    requestId,
    decision: 'allow',
    by: 'client',
  });
  const toModel = JSON.stringify(stub.conversationRequests().at(-1)?.messages.at(-1));
  expect(toModel).toContain('blue');
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
      scriptPrompt('echo started > start.txt', reply);
      const created = await tasksOn(urlA).callTool('session_start', {
        prompt: 'write',
        permissions: 'ask',
        ...(answer === 'deadline' ? { approvalTimeoutMs: 2_000 } : {}),
      });
      expect(created.result).toMatchObject({ resultType: 'task' });
      const taskId = String(created.result?.taskId);

      const asking = await taskUntil(urlB, taskId, 'the task to ask', withStatus('input_required'));
      const [requestId] = Object.keys(asking.inputRequests as Record<string, unknown>);
      if (answer !== 'deadline') {
        const decision =
          answer === 'allow' ? { decision: 'allow' } : { decision: 'deny', message: 'Not here.' };
        await answerTask(urlB, taskId, requestId, decision);
      }
      const task = await taskUntil(urlA, taskId, 'the task to complete', withStatus('completed'));
      const structured = structuredOf(task);
      expect(structured).toMatchObject({ status: 'idle', result: { result: reply } });
      const sessionId = String(structured.sessionId);
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
  scriptPrompt('echo plain > plain.txt', 'Wrote it plainly.');
  const created = await tasksOn(urlA, 'acme', false).callTool('session_start', {
    prompt: 'write',
    permissions: 'ask',
  });
  const taskId = String(created.result?.taskId);
  const asking = await taskUntil(urlB, taskId, 'the task to say how to answer', (task) =>
    /session_respond/.test(String(task.statusMessage)),
  );
  expect(asking.status).toBe('working');
  expect(asking.statusMessage).toMatch(
    /^waiting for approval: Bash: echo plain > plain\.txt; answer with/,
  );
  const named = /sessionId: "([0-9a-f-]{36})", requestId: "([^"]+)"/.exec(
    String(asking.statusMessage),
  );
  expect(named).not.toBeNull();
  const [, sessionId, requestId] = named ?? [];
  await callTool(acme, 'session_respond', { sessionId, requestId, decision: 'allow' });
  const done = await taskUntil(urlA, taskId, 'the task to complete', withStatus('completed'));
  expect(structuredOf(done)).toMatchObject({
    sessionId,
    status: 'idle',
    result: { result: 'Wrote it plainly.' },
  });
}, 90_000);

it('a stopping gateway hands its task on: the next tasks/get elsewhere follows the turn to its end', async () => {
  const urlC = await world.system.addGateway();
  const gatewayC = world.system.gateways[world.system.gateways.length - 1];
  const sessionId = await idleSession({ permissions: 'ask' });
  scriptPrompt('echo handed > handed.txt', 'Handed on and wrote it.');
  const created = await tasksOn(urlC).callTool('session_send', { sessionId, message: 'write' });
  const taskId = String(created.result?.taskId);
  const asking = await taskUntil(urlA, taskId, 'the task to ask', withStatus('input_required'));

  // Its gateway stops while the turn waits: the task is not held up for the drain, nor lost.
  const stopping = Date.now();
  await gatewayC.close();
  const stopMs = Date.now() - stopping;
  console.log(`gateway with a running task stopped in ${stopMs} ms`);
  expect(stopMs).toBeLessThan(world.system.config.http.drainMs);

  const [requestId] = Object.keys(asking.inputRequests as Record<string, unknown>);
  expect(await taskOf(urlA, taskId)).toMatchObject({ status: 'input_required' }); // taken over
  await answerTask(urlA, taskId, requestId, { decision: 'allow' });
  // Well before the 30 s lease would have run out: the task was handed on, not abandoned.
  const done = await taskUntil(
    urlB,
    taskId,
    'the task to complete',
    withStatus('completed'),
    TASK_DEFAULTS.leaseMs / 3,
  );
  expect(structuredOf(done)).toMatchObject({
    status: 'idle',
    result: { result: 'Handed on and wrote it.' },
  });
}, 90_000);
