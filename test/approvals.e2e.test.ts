/**
 * Approvals answered by the remote client (permissions: "ask"), end to end: MCP client → gateway
 * → queue → worker → the real claude CLI (--permission-prompts host --permission-prompt-tool
 * stdio) against the Messages API stub, its can_use_tool prompt → Redis → session_respond on any
 * gateway → the worker → control_response on the CLI's stdin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eventually } from '@app/testing/eventually';
import type { MessagesStub } from '@app/testing/messages-stub';
import { sessionDirs } from '../apps/worker/src/runtime/session-dirs';
import {
  callTool,
  connectClient,
  startRealCliSystem,
  type RealCliSystem,
  type RunningSystem,
} from './support/system';

interface SessionEventView {
  id: string;
  turn: number;
  kind: string;
  data: Record<string, unknown>;
}
interface Waited {
  sessionId: string;
  status: string;
  pending?: { requestId: string; tool: string; input: { command?: string }; deadline: number };
  message?: string;
  result?: { is_error: boolean; result?: string };
}

const INACTIVITY_MS = 4_000;

let world: RealCliSystem;
let stub: MessagesStub;
let system: RunningSystem;
let acme: Client;
let globex: Client;

beforeAll(async () => {
  world = await startRealCliSystem('approvals', {
    SESSION_IDLE_MS: '60000',
    // Short, so that the deadline test shows a turn waiting for an approval is not "hung".
    CLAUDE_INACTIVITY_TIMEOUT_MS: String(INACTIVITY_MS),
  });
  ({ stub, system } = world);
  acme = await connectClient(system.urls[0], 'acme');
  globex = await connectClient(system.urls[0], 'globex');
});

afterAll(async () => {
  await Promise.allSettled([acme?.close(), globex?.close()]);
  await world?.close();
});

beforeEach(() => stub.reset());

const writeFile = (name: string) => ({
  toolUse: { name: 'Bash', input: { command: `echo approved > ${name}`, description: 'write' } },
});

async function events(sessionId: string): Promise<SessionEventView[]> {
  const page = await callTool<{ events: SessionEventView[] }>(acme, 'session_events', {
    sessionId,
    limit: 1000,
  });
  return page.events;
}

const ofKind = (all: SessionEventView[], kind: string) => all.filter((e) => e.kind === kind);

async function statusOf(sessionId: string): Promise<string> {
  return (await callTool<{ status: string }>(acme, 'session_status', { sessionId })).status;
}

/** The session's first permission request, once the worker has raised it. */
async function requestOf(sessionId: string): Promise<SessionEventView> {
  let found: SessionEventView | undefined;
  await eventually(
    'a permission_request event',
    async () => (found = ofKind(await events(sessionId), 'permission_request')[0]) !== undefined,
    30_000,
  );
  return found as SessionEventView;
}

function workspaceFile(sessionId: string, name: string): string {
  return join(sessionDirs(system.config.storage.dataDir, sessionId).workspaceDir, name);
}

/** The tool_result the CLI sent the model for `toolUseId` (from the stub's recorded requests). */
function toolResultSent(toolUseId: string): Record<string, unknown> | undefined {
  for (const body of stub.conversationRequests()) {
    for (const message of body.messages) {
      if (!Array.isArray(message.content)) continue;
      const block = message.content.find(
        (b) => b.type === 'tool_result' && b.tool_use_id === toolUseId,
      );
      if (block) return block;
    }
  }
  return undefined;
}

describe('approvals answered by the client (permissions: "ask")', () => {
  it('a waited call returns at once with the pending request; allow runs the command', async () => {
    stub.enqueue(writeFile('allowed.txt'), { text: 'Wrote the file.' });
    const asked = Date.now();
    const started = await callTool<Waited>(acme, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
      wait: true,
    });
    const returnedMs = Date.now() - asked;
    expect(started.status).toBe('waiting');
    expect(started.pending).toMatchObject({
      tool: 'Bash',
      input: { command: 'echo approved > allowed.txt' },
    });
    expect(started.pending?.deadline).toBeGreaterThan(Date.now() + 200_000); // default 5 min
    const { sessionId } = started;
    // A client that reads only the text can answer: what is asked, and the call to answer it.
    expect(started.message).toContain('Claude asks to run Bash: echo approved > allowed.txt');
    expect(started.message).toContain(
      `session_respond { sessionId: "${sessionId}", requestId: "${started.pending?.requestId ?? ''}"`,
    );
    const status = await callTool<{ status: string; pending: unknown[] }>(acme, 'session_status', {
      sessionId,
    });
    expect(status).toMatchObject({ status: 'waiting', pending: [started.pending] });

    const answered = await callTool<{ status: string }>(acme, 'session_respond', {
      sessionId,
      requestId: started.pending?.requestId,
      decision: 'allow',
    });
    expect(['waiting', 'running']).toContain(answered.status);
    await eventually('the turn to finish', async () => (await statusOf(sessionId)) === 'idle');
    expect(readFileSync(workspaceFile(sessionId, 'allowed.txt'), 'utf8')).toBe('approved\n');
    const all = await events(sessionId);
    const resolved = ofKind(all, 'permission_resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0].data).toMatchObject({
      requestId: started.pending?.requestId,
      decision: 'allow',
      by: 'client',
    });
    const statuses = ofKind(all, 'status').map((e) => e.data.status);
    expect(statuses).toEqual(['running', 'waiting', 'running', 'idle']);
    const result = all.find((e) => e.kind === 'claude' && e.data.type === 'result');
    expect(result?.data).toMatchObject({ is_error: false, result: 'Wrote the file.' });
    // The round trip the worker measured: the CLI's control_request to its control_response.
    console.log(
      `approval round trip (CLI control_request → control_response, client answering at once ` +
        `after its waited call returned): ${String(resolved[0].data.latencyMs)} ms; ` +
        `waited session_start returned after ${returnedMs} ms`,
    );
  });

  it('deny: Claude gets the message as the tool’s error and the turn ends normally', async () => {
    stub.enqueue(writeFile('denied.txt'), { text: 'Understood, not writing it.' });
    const { sessionId } = await callTool<Waited>(acme, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
    });
    const request = await requestOf(sessionId);
    await callTool(acme, 'session_respond', {
      sessionId,
      requestId: request.data.requestId,
      decision: 'deny',
      message: 'Not in this repository, please.',
    });
    await eventually('the turn to finish', async () => (await statusOf(sessionId)) === 'idle');
    expect(existsSync(workspaceFile(sessionId, 'denied.txt'))).toBe(false);
    expect(toolResultSent(String(request.data.toolUseId))).toMatchObject({
      is_error: true,
      content: 'Not in this repository, please.',
    });
    const all = await events(sessionId);
    expect(ofKind(all, 'permission_resolved')[0].data).toMatchObject({
      decision: 'deny',
      by: 'client',
    });
    const result = all.find((e) => e.kind === 'claude' && e.data.type === 'result');
    expect(result?.data).toMatchObject({ is_error: false });
  });

  it('no answer by approvalTimeoutMs: denied by the deadline, the turn goes on (never "hung")', async () => {
    stub.enqueue(writeFile('late.txt'), { text: 'No answer, moving on.' });
    const { sessionId } = await callTool<Waited>(acme, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
      // Twice the inactivity timeout: the silent, waiting CLI must not be taken for a hang.
      approvalTimeoutMs: 2 * INACTIVITY_MS,
    });
    const request = await requestOf(sessionId);
    await eventually(
      'the turn to finish',
      async () => (await statusOf(sessionId)) === 'idle',
      30_000,
    );
    expect(ofKind(await events(sessionId), 'error')).toEqual([]);
    const resolved = ofKind(await events(sessionId), 'permission_resolved');
    expect(resolved.map((e) => e.data)).toEqual([
      expect.objectContaining({
        requestId: request.data.requestId,
        decision: 'deny',
        by: 'deadline',
      }),
    ]);
    expect(existsSync(workspaceFile(sessionId, 'late.txt'))).toBe(false);
    expect(toolResultSent(String(request.data.toolUseId))).toMatchObject({ is_error: true });
    // Too late now: the deadline's answer counts.
    await expect(
      callTool(acme, 'session_respond', {
        sessionId,
        requestId: request.data.requestId,
        decision: 'allow',
      }),
    ).rejects.toThrow(/already answered \(deny, by deadline\)/);
  });

  it('allow_session: an identical second call is not asked again (by: policy)', async () => {
    const again = writeFile('twice.txt');
    stub.enqueue(again, again, { text: 'Wrote it twice.' });
    const { sessionId } = await callTool<Waited>(acme, 'session_start', {
      prompt: 'Write a file twice.',
      permissions: 'ask',
    });
    const request = await requestOf(sessionId);
    await callTool(acme, 'session_respond', {
      sessionId,
      requestId: request.data.requestId,
      decision: 'allow_session',
    });
    await eventually('the turn to finish', async () => (await statusOf(sessionId)) === 'idle');
    const all = await events(sessionId);
    expect(ofKind(all, 'permission_request')).toHaveLength(1);
    expect(ofKind(all, 'permission_resolved').map((e) => [e.data.decision, e.data.by])).toEqual([
      ['allow_session', 'client'],
      ['allow_session', 'policy'],
    ]);
    expect(existsSync(workspaceFile(sessionId, 'twice.txt'))).toBe(true);
  });

  it('another tenant’s answer is "not found"; a second answer is refused; any gateway answers', async () => {
    stub.enqueue(writeFile('raced.txt'), { text: 'done' });
    const { sessionId } = await callTool<Waited>(acme, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
    });
    const request = await requestOf(sessionId);
    const answer = { sessionId, requestId: request.data.requestId, decision: 'allow' };
    await expect(callTool(globex, 'session_respond', answer)).rejects.toThrow(/not found/);
    await expect(
      callTool(acme, 'session_respond', { ...answer, requestId: 'no-such-request' }),
    ).rejects.toThrow(/not pending/);
    const other = await connectClient(await system.addGateway(), 'acme');
    try {
      await callTool(other, 'session_respond', answer);
    } finally {
      await other.close();
    }
    await expect(
      callTool(acme, 'session_respond', { ...answer, decision: 'deny' }),
    ).rejects.toThrow(/already answered \(allow, by client\)/);
    await eventually('the turn to finish', async () => (await statusOf(sessionId)) === 'idle');
    expect(existsSync(workspaceFile(sessionId, 'raced.txt'))).toBe(true);
  });

  it('interrupt while waiting ends the turn; the session takes the next message', async () => {
    stub.enqueue(writeFile('never.txt'), { text: 'after the interrupt' });
    const { sessionId } = await callTool<Waited>(acme, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
    });
    await requestOf(sessionId);
    expect(await statusOf(sessionId)).toBe('waiting');
    await callTool(acme, 'session_interrupt', { sessionId });
    await eventually('the turn to end', async () => (await statusOf(sessionId)) === 'idle');
    expect(ofKind(await events(sessionId), 'permission_resolved')[0].data).toMatchObject({
      decision: 'deny',
      by: 'policy',
    });
    const sent = await callTool<{ status: string; result: { result: string } }>(
      acme,
      'session_send',
      { sessionId, message: 'go on', wait: true },
    );
    expect(sent.result.result).toContain('after the interrupt');
    expect(existsSync(workspaceFile(sessionId, 'never.txt'))).toBe(false);
  });
  it('terminate while waiting ends the session; nothing waits for an answer any more', async () => {
    stub.enqueue(writeFile('gone.txt'));
    const { sessionId } = await callTool<Waited>(acme, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
    });
    const request = await requestOf(sessionId);
    expect(await callTool(acme, 'session_terminate', { sessionId })).toEqual({
      status: 'terminated',
    });
    await expect(
      callTool(acme, 'session_respond', {
        sessionId,
        requestId: request.data.requestId,
        decision: 'allow',
      }),
    ).rejects.toThrow(/not pending/);
    expect(await statusOf(sessionId)).toBe('terminated');
    expect(existsSync(workspaceFile(sessionId, 'gone.txt'))).toBe(false);
  });

  it('AskUserQuestion: a waited session_send returns the question; answers reach Claude', async () => {
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
      { text: 'Ready.' },
      { toolUse: { name: 'AskUserQuestion', input: { questions } } },
      { text: 'Blue it is.' },
    );
    const { sessionId } = await callTool<Waited>(acme, 'session_start', {
      prompt: 'Hi.',
      permissions: 'ask',
      wait: true,
    });
    const sent = await callTool<Waited & { pending: { questions?: unknown } }>(
      acme,
      'session_send',
      { sessionId, message: 'Ask me for a color.', wait: true },
    );
    expect(sent.status).toBe('waiting');
    expect(sent.pending).toMatchObject({ tool: 'AskUserQuestion', questions });
    await expect(
      callTool(acme, 'session_respond', {
        sessionId,
        requestId: sent.pending.requestId,
        decision: 'allow',
      }),
    ).rejects.toThrow(/is a question/);
    await callTool(acme, 'session_respond', {
      sessionId,
      requestId: sent.pending.requestId,
      decision: 'allow',
      answers: { 'Which color?': 'blue' },
    });
    await eventually('the turn to finish', async () => (await statusOf(sessionId)) === 'idle');
    const request = ofKind(await events(sessionId), 'permission_request')[0];
    const sentToModel = JSON.stringify(toolResultSent(String(request.data.toolUseId)));
    expect(sentToModel).toContain('blue');
  });
});
