/**
 * A waited call of a 2025-11-25 client that declared form elicitation: the turn's permission
 * prompt comes to it as `elicitation/create` on the call's own stream, its answer (POSTed to any
 * replica) goes to the approvals, and the call returns the turn's end. Real HTTP, Redis, worker
 * and claude CLI against the Messages API stub.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ElicitRequestSchema,
  type ElicitRequest,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { MessagesStub } from '@app/testing/messages-stub';
import { sessionDirs } from '../apps/worker/src/runtime/session-dirs';
import { ModernClient } from './support/mcp-modern-client';
import {
  callTool,
  connectClient,
  startRealCliSystem,
  TENANT_KEYS,
  type RealCliSystem,
  type RunningSystem,
} from './support/system';

interface Waited {
  sessionId: string;
  status: string;
  pending?: unknown;
  result?: { is_error: boolean; result?: string };
}
interface EventView {
  kind: string;
  data: Record<string, unknown>;
}

let world: RealCliSystem;
let stub: MessagesStub;
let system: RunningSystem;
let asker: Client;
/** Another connection of the same tenant, without elicitation: answers with session_respond. */
let other: Client;
/** What the eliciting client answers next, and what it was asked. */
let answer: (request: ElicitRequest) => ElicitResult | Promise<ElicitResult>;
const asked: ElicitRequest[] = [];

beforeAll(async () => {
  world = await startRealCliSystem('approval-elicitation', { SESSION_IDLE_MS: '60000' });
  ({ stub, system } = world);
  asker = await connectClient(system.urls[0], 'acme', {
    onElicit: async (request) => {
      asked.push(request);
      return answer(request);
    },
  });
  other = await connectClient(system.urls[0], 'acme');
});

afterAll(async () => {
  await Promise.allSettled([asker?.close(), other?.close()]);
  await world?.close();
});

beforeEach(() => {
  stub.reset();
  asked.length = 0;
});

const writeFile = (name: string) => ({
  toolUse: { name: 'Bash', input: { command: `echo approved > ${name}`, description: 'write' } },
});

function workspaceFile(sessionId: string, name: string): string {
  return join(sessionDirs(system.config.storage.dataDir, sessionId).workspaceDir, name);
}

async function resolutions(sessionId: string): Promise<EventView[]> {
  const page = await callTool<{ events: EventView[] }>(asker, 'session_events', {
    sessionId,
    limit: 1000,
  });
  return page.events.filter((e) => e.kind === 'permission_resolved');
}

function toolResultSent(): Record<string, unknown> | undefined {
  for (const body of stub.conversationRequests()) {
    for (const message of body.messages) {
      if (!Array.isArray(message.content)) continue;
      const block = message.content.find((b) => b.type === 'tool_result');
      if (block) return block;
    }
  }
  return undefined;
}

/**
 * A client that elicits, talking to `url`, whose answers (POSTs carrying only JSON-RPC responses)
 * go to `answersTo` instead: same headers, so the same MCP session, at another replica.
 * `answered` lists where each went and how it was taken.
 */
async function connectAnsweringElsewhere(
  url: URL,
  answersTo: URL,
  onElicit: () => ElicitResult,
): Promise<{ client: Client; answered: string[] }> {
  const answered: string[] = [];
  const split: FetchLike = async (target, init) => {
    if (init?.method !== 'POST' || !carriesOnlyAnswers(init.body)) return fetch(target, init);
    const response = await fetch(answersTo, init);
    answered.push(`${answersTo.href} ${response.status}`);
    return response;
  };
  const client = new Client(
    { name: 'test-acme-split', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, onElicit);
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${TENANT_KEYS.acme}` } },
      fetch: split,
    }),
  );
  return { client, answered };
}

function carriesOnlyAnswers(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  const parsed = JSON.parse(body) as unknown;
  const messages = (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>;
  return messages.every((m) => !('method' in m) && ('result' in m || 'error' in m));
}

describe('a waited 2025-11-25 call puts the prompt to a client that elicits', () => {
  it('allow: the command runs and the call returns the turn’s result', async () => {
    answer = () => ({ action: 'accept', content: { decision: 'allow' } });
    stub.enqueue(writeFile('elicited.txt'), { text: 'Wrote the file.' });
    const waited = await callTool<Waited>(asker, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
      wait: true,
    });
    expect(asked).toHaveLength(1);
    expect(asked[0].params).toMatchObject({
      mode: 'form',
      message: 'Claude wants to run Bash: echo approved > elicited.txt',
      requestedSchema: { required: ['decision'] },
    });
    expect(waited).toMatchObject({ status: 'idle', result: { result: 'Wrote the file.' } });
    expect(waited.pending).toBeUndefined();
    expect(readFileSync(workspaceFile(waited.sessionId, 'elicited.txt'), 'utf8')).toBe(
      'approved\n',
    );
    expect((await resolutions(waited.sessionId))[0].data).toMatchObject({
      decision: 'allow',
      by: 'client',
    });
  });

  it('decline: Claude is told the user declined and the turn ends normally', async () => {
    answer = () => ({ action: 'decline' });
    stub.enqueue(writeFile('declined.txt'), { text: 'Understood, not writing it.' });
    const waited = await callTool<Waited>(asker, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
      wait: true,
    });
    expect(asked).toHaveLength(1);
    expect(waited).toMatchObject({
      status: 'idle',
      result: { is_error: false, result: 'Understood, not writing it.' },
    });
    expect(existsSync(workspaceFile(waited.sessionId, 'declined.txt'))).toBe(false);
    expect(toolResultSent()).toMatchObject({
      is_error: true,
      content: 'The user declined this request.',
    });
    expect((await resolutions(waited.sessionId))[0].data).toMatchObject({
      decision: 'deny',
      by: 'client',
    });
  });

  it('no answer by the deadline: denied by the deadline, the call still returns the turn’s end', async () => {
    answer = () => new Promise<ElicitResult>(() => undefined); // the person never answers
    stub.enqueue(writeFile('unanswered.txt'), { text: 'No answer, moving on.' });
    const waited = await callTool<Waited>(asker, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
      approvalTimeoutMs: 2_000,
      wait: true,
    });
    expect(asked).toHaveLength(1);
    expect(waited).toMatchObject({
      status: 'idle',
      result: { is_error: false, result: 'No answer, moving on.' },
    });
    expect(existsSync(workspaceFile(waited.sessionId, 'unanswered.txt'))).toBe(false);
    expect(toolResultSent()).toMatchObject({ is_error: true });
    expect((await resolutions(waited.sessionId))[0].data).toMatchObject({
      decision: 'deny',
      by: 'deadline',
    });
  });

  it('answered first elsewhere (session_respond): the late elicitation answer is ignored', async () => {
    answer = async () => {
      // While the form is open, another connection answers the prompt.
      const { sessions } = await callTool<{ sessions: Array<{ sessionId: string }> }>(
        other,
        'session_list',
        { status: 'waiting' },
      );
      const sessionId = sessions[0].sessionId;
      const { pending } = await callTool<{ pending: Array<{ requestId: string }> }>(
        other,
        'session_status',
        { sessionId },
      );
      await callTool(other, 'session_respond', {
        sessionId,
        requestId: pending[0].requestId,
        decision: 'allow',
      });
      return { action: 'accept', content: { decision: 'deny', message: 'Too late.' } };
    };
    stub.enqueue(writeFile('first.txt'), { text: 'Wrote the file.' });
    const waited = await callTool<Waited>(asker, 'session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
      wait: true,
    });
    expect(asked).toHaveLength(1);
    expect(waited).toMatchObject({ status: 'idle', result: { result: 'Wrote the file.' } });
    expect(readFileSync(workspaceFile(waited.sessionId, 'first.txt'), 'utf8')).toBe('approved\n');
    const resolved = await resolutions(waited.sessionId);
    expect(resolved).toHaveLength(1);
    expect(resolved[0].data).toMatchObject({ decision: 'allow', by: 'client' });
  });

  it('answered at another replica: the answer reaches the call on the replica that asked', async () => {
    const urlB = await system.addGateway();
    const { client, answered } = await connectAnsweringElsewhere(system.urls[0], urlB, () => ({
      action: 'accept',
      content: { decision: 'allow' },
    }));
    try {
      stub.enqueue(writeFile('elsewhere.txt'), { text: 'Wrote the file.' });
      const waited = await callTool<Waited>(client, 'session_start', {
        prompt: 'Write a file.',
        permissions: 'ask',
        wait: true,
      });
      expect(answered).toEqual([`${urlB.href} 202`]);
      expect(waited).toMatchObject({ status: 'idle', result: { result: 'Wrote the file.' } });
      expect(readFileSync(workspaceFile(waited.sessionId, 'elsewhere.txt'), 'utf8')).toBe(
        'approved\n',
      );
      expect((await resolutions(waited.sessionId))[0].data).toMatchObject({
        decision: 'allow',
        by: 'client',
      });
    } finally {
      await client.close();
    }
  });
});

describe('a waited 2026-07-28 call answers a prompt with an input-required round', () => {
  const modern = (elicitation: boolean) =>
    new ModernClient(system.urls[0], { key: TENANT_KEYS.acme, elicitation });

  it('input_required first; the retry with inputResponses answers it and gets the result', async () => {
    stub.enqueue(writeFile('modern.txt'), { text: 'Wrote the file.' });
    const client = modern(true);
    const args = { prompt: 'Write a file.', permissions: 'ask', wait: true };
    const first = await client.callTool('session_start', args);
    expect(first.error).toBeUndefined();
    expect(first.result).toMatchObject({ resultType: 'input_required' });
    const requests = first.result?.inputRequests as Record<
      string,
      { method: string; params: unknown }
    >;
    const [key] = Object.keys(requests);
    expect(requests[key]).toMatchObject({
      method: 'elicitation/create',
      params: { mode: 'form', message: 'Claude wants to run Bash: echo approved > modern.txt' },
    });
    expect(typeof first.result?.requestState).toBe('string');

    const retried = await client.retryTool('session_start', args, {
      inputResponses: { [key]: { action: 'accept', content: { decision: 'allow' } } },
      requestState: first.result?.requestState,
    });
    expect(retried.error).toBeUndefined();
    const structured = retried.result?.structuredContent as Waited;
    expect(structured).toMatchObject({ status: 'idle', result: { result: 'Wrote the file.' } });
    expect(readFileSync(workspaceFile(structured.sessionId, 'modern.txt'), 'utf8')).toBe(
      'approved\n',
    );
    // The state is taken once: a replay is refused.
    const replayed = await client.retryTool('session_start', args, {
      inputResponses: { [key]: { action: 'accept', content: { decision: 'allow' } } },
      requestState: first.result?.requestState,
    });
    expect(replayed.result).toMatchObject({ isError: true });
  });

  it('a client that declared no elicitation still gets `waiting` with the pending request', async () => {
    stub.enqueue(writeFile('plain.txt'), { text: 'Wrote the file.' });
    const first = await modern(false).callTool('session_start', {
      prompt: 'Write a file.',
      permissions: 'ask',
      wait: true,
    });
    const structured = first.result?.structuredContent as Waited & {
      pending: { requestId: string };
    };
    expect(structured).toMatchObject({ status: 'waiting', pending: { tool: 'Bash' } });
    await callTool(other, 'session_respond', {
      sessionId: structured.sessionId,
      requestId: structured.pending.requestId,
      decision: 'deny',
    });
  });
});
