/**
 * Sessions end to end: the SDK's MCP Client over real HTTP → gateway → BullMQ on a real Redis →
 * worker → the real claude CLI against the Messages API stub → Redis stream → relay.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eventually } from '@app/testing/eventually';
import type { MessagesStub } from '@app/testing/messages-stub';
import { LiveSessionRegistry } from '../apps/worker/src/runtime/live-session-registry';
import {
  callTool,
  connectClient,
  startRealCliSystem,
  type RealCliSystem,
  type RunningSystem,
} from './support/system';

interface Started {
  sessionId: string;
  status: string;
  result?: { type: string; is_error: boolean; result?: string };
  events?: string;
}
interface EventsPage {
  events: Array<{
    id: string;
    seq: number;
    turn: number;
    kind: string;
    data: Record<string, unknown>;
  }>;
  next: string;
  status: string;
}

let world: RealCliSystem;
let stub: MessagesStub;
let system: RunningSystem;
let acme: Client;
let globex: Client;

beforeAll(async () => {
  world = await startRealCliSystem('e2e', { SESSION_IDLE_MS: '60000' });
  ({ stub, system } = world);
  acme = await connectClient(system.urls[0], 'acme');
  globex = await connectClient(system.urls[0], 'globex');
});

afterAll(async () => {
  await Promise.allSettled([acme?.close(), globex?.close()]);
  await world?.close();
});

beforeEach(() => stub.reset());

async function allEvents(client: Client, sessionId: string): Promise<EventsPage['events']> {
  const page = await callTool<EventsPage>(client, 'session_events', { sessionId, limit: 1000 });
  return page.events;
}

describe('sessions over MCP', () => {
  it('session_start with wait returns the model reply, streaming progress before it returns', async () => {
    stub.enqueue({ text: 'Hello from the stub model.' });
    const progress: string[] = [];
    let returnedAt = 0;
    const started = await callTool<Started>(
      acme,
      'session_start',
      { prompt: 'Say hello.', wait: true },
      { onprogress: (p) => progress.push(p.message ?? '') },
    );
    returnedAt = progress.length;
    expect(started.status).toBe('idle');
    expect(started.result).toMatchObject({ type: 'result', is_error: false });
    expect(started.result?.result).toContain('Hello from the stub model.');
    expect(returnedAt).toBeGreaterThan(2);
    const kinds = progress.map((m) => (JSON.parse(m) as { kind: string }).kind);
    expect(kinds).toContain('claude');
    const status = await callTool<{
      status: string;
      turns: number;
      usage: { output_tokens: number };
    }>(acme, 'session_status', { sessionId: started.sessionId });
    expect(status).toMatchObject({ status: 'idle', turns: 1 });
    expect(status.usage.output_tokens).toBeGreaterThan(0);
  });

  it('a follow-up reaches the same CLI and the model receives the whole history', async () => {
    stub.enqueue({ text: 'The word is PLUM.' }, { text: 'You asked about PLUM.' });
    const { sessionId } = await callTool<Started>(acme, 'session_start', {
      prompt: 'Pick a word.',
      wait: true,
    });
    const sent = await callTool<{ turn: number; status: string; result: { result: string } }>(
      acme,
      'session_send',
      {
        sessionId,
        message: 'Which word?',
        wait: true,
      },
    );
    expect(sent).toMatchObject({ turn: 2, status: 'idle' });
    expect(sent.result.result).toContain('You asked about PLUM.');
    const history = JSON.stringify(stub.conversationRequests().at(-1)?.messages);
    expect(history).toContain('Pick a word.');
    expect(history).toContain('The word is PLUM.');
    expect(history).toContain('Which word?');
  });

  it('session_events pages lose and duplicate nothing, also alternating between two gateways', async () => {
    stub.enqueue({ text: 'one two three four five six seven eight nine ten' });
    const { sessionId } = await callTool<Started>(acme, 'session_start', {
      prompt: 'count',
      wait: true,
    });
    const all = await allEvents(acme, sessionId);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const second = await connectClient(await system.addGateway(), 'acme');
    try {
      const seen: number[] = [];
      let after: string | undefined;
      for (let i = 0; ; i++) {
        const page = await callTool<EventsPage>(i % 2 ? second : acme, 'session_events', {
          sessionId,
          after,
          limit: 3,
        });
        if (page.events.length === 0) break;
        seen.push(...page.events.map((e) => e.seq));
        after = page.next;
      }
      expect(seen).toEqual(all.map((e) => e.seq));
    } finally {
      await second.close();
    }
  });

  it('session_events long-polls until the next event arrives', async () => {
    stub.enqueue({ text: 'first' }, { text: 'second', tokenDelayMs: 200 });
    const { sessionId } = await callTool<Started>(acme, 'session_start', {
      prompt: 'a',
      wait: true,
    });
    const { events } = await callTool<EventsPage>(acme, 'session_events', {
      sessionId,
      limit: 1000,
    });
    const cursor = events.at(-1)?.id;
    const polled = callTool<EventsPage>(acme, 'session_events', {
      sessionId,
      after: cursor,
      waitMs: 20_000,
    });
    await callTool(acme, 'session_send', { sessionId, message: 'b' });
    const page = await polled;
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events[0].seq).toBe((events.at(-1)?.seq ?? 0) + 1);
  });

  it('interrupts a running turn and keeps the session for the next message', async () => {
    stub.enqueue({ text: 'word '.repeat(300), tokenDelayMs: 30 }, { text: 'after the interrupt' });
    const { sessionId } = await callTool<Started>(acme, 'session_start', { prompt: 'talk a lot' });
    await statusBecomes(sessionId, 'running');
    await stub.waitForConversationRequests(1);
    // The answer says what it did, once the turn has ended on its worker.
    expect(await callTool(acme, 'session_interrupt', { sessionId })).toEqual({
      status: 'idle',
      outcome: 'interrupted',
      turn: 1,
    });
    await statusBecomes(sessionId, 'idle');
    const sent = await callTool<{ result: { result: string } }>(acme, 'session_send', {
      sessionId,
      message: 'go on',
      wait: true,
    });
    expect(sent.result.result).toContain('after the interrupt');
  });

  it('interrupt also drops the turns queued behind the running one: they never run', async () => {
    stub.enqueue({ text: 'word '.repeat(300), tokenDelayMs: 30 }, { text: 'the next message ran' });
    const { sessionId } = await callTool<Started>(acme, 'session_start', { prompt: 'talk a lot' });
    await statusBecomes(sessionId, 'running');
    await stub.waitForConversationRequests(1);
    const queued = await callTool<{ status: string; turn: number; events: string }>(
      acme,
      'session_send',
      { sessionId, message: 'queued behind' },
    );
    expect(queued).toMatchObject({ status: 'queued', turn: 2, events: expect.any(String) });
    expect(await callTool(acme, 'session_interrupt', { sessionId })).toEqual({
      status: 'idle',
      outcome: 'interrupted',
      turn: 1,
      dropped: [2],
    });
    // The next message is turn 3, and the model hears it without 'queued behind' ever sent.
    const sent = await callTool<{ turn: number; result: { result: string } }>(
      acme,
      'session_send',
      { sessionId, message: 'go on', wait: true },
    );
    expect(sent).toMatchObject({ turn: 3, result: { result: 'the next message ran' } });
    const prompts = JSON.stringify(stub.conversationRequests().map((r) => r.messages));
    expect(prompts).not.toContain('queued behind');
  });

  it('terminate stops the process and the session takes no more messages', async () => {
    stub.enqueue({ text: 'hi' });
    const { sessionId } = await callTool<Started>(acme, 'session_start', {
      prompt: 'hi',
      wait: true,
    });
    const registry = system.worker.get(LiveSessionRegistry);
    const pid = registry.get(sessionId)?.process.pid;
    expect(pid).toBeGreaterThan(0);
    expect(await callTool(acme, 'session_terminate', { sessionId })).toEqual({
      status: 'terminated',
    });
    await eventually('the worker to let go of the session', () => !registry.get(sessionId), 20_000);
    await expect(callTool(acme, 'session_send', { sessionId, message: 'more' })).rejects.toThrow(
      /terminated/,
    );
  });

  it('a tenant sees only its own sessions; another tenant’s id is "not found"', async () => {
    stub.enqueue({ text: 'secret' });
    const { sessionId } = await callTool<Started>(acme, 'session_start', {
      prompt: 'mine',
      wait: true,
    });
    for (const [tool, args] of [
      ['session_status', { sessionId }],
      ['session_events', { sessionId }],
      ['session_send', { sessionId, message: 'x' }],
      ['session_interrupt', { sessionId }],
      ['session_terminate', { sessionId }],
    ] as const) {
      await expect(callTool(globex, tool, args)).rejects.toThrow(/not found/);
    }
    const listed = await callTool<{ sessions: Array<{ sessionId: string }> }>(
      globex,
      'session_list',
      {},
    );
    expect(listed.sessions.map((s) => s.sessionId)).not.toContain(sessionId);
    const mine = await callTool<{ sessions: Array<{ sessionId: string }> }>(acme, 'session_list', {
      limit: 200,
    });
    expect(mine.sessions.map((s) => s.sessionId)).toContain(sessionId);
  });

  it('invalid arguments give a tool error naming the field', async () => {
    await expect(
      callTool(acme, 'session_send', { sessionId: 'nope', message: 'x' }),
    ).rejects.toThrow(/sessionId/);
    await expect(callTool(acme, 'session_start', { prompt: '' })).rejects.toThrow(/prompt/);
    await expect(
      callTool(acme, 'session_events', { sessionId: crypto.randomUUID(), limit: 0 }),
    ).rejects.toThrow(/limit/);
  });

  it('a CLI crash mid-turn fails that session with an error event; the worker serves others', async () => {
    stub.enqueue({ text: 'slow '.repeat(500), tokenDelayMs: 20 });
    const { sessionId } = await callTool<Started>(acme, 'session_start', { prompt: 'crash soon' });
    const registry = system.worker.get(LiveSessionRegistry);
    await eventually(
      'the session to run its CLI',
      async () =>
        (registry.get(sessionId)?.process.pid ?? 0) > 0 && (await status(sessionId)) === 'running',
      20_000,
    );
    await stub.waitForConversationRequests(1);
    process.kill(registry.get(sessionId)?.process.pid ?? 0, 'SIGKILL');
    await statusBecomes(sessionId, 'failed');
    const events = await allEvents(acme, sessionId);
    const error = events.find((e) => e.kind === 'error');
    expect(error?.data).toMatchObject({ code: 'cli_failed', signal: 'SIGKILL' });
    stub.enqueue({ text: 'still serving' });
    const other = await callTool<Started>(acme, 'session_start', { prompt: 'other', wait: true });
    expect(other.result?.result).toContain('still serving');
  });
});

async function status(sessionId: string): Promise<string> {
  return (await callTool<{ status: string }>(acme, 'session_status', { sessionId })).status;
}

async function statusBecomes(sessionId: string, wanted: string): Promise<void> {
  let last = '';
  await eventually(
    () => `session status ${wanted} (last: ${last})`,
    async () => (last = await status(sessionId)) === wanted,
    { timeoutMs: 20_000, intervalMs: 50 },
  );
}
