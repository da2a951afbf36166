/** An idle session's CLI process ends after SESSION_IDLE_MS; its next message resumes it. */
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

let world: RealCliSystem;
let stub: MessagesStub;
let system: RunningSystem;
let client: Client;

beforeAll(async () => {
  world = await startRealCliSystem('hibernate', { SESSION_IDLE_MS: '1000' });
  ({ stub, system } = world);
  client = await connectClient(system.urls[0], 'acme');
});

afterAll(async () => {
  await client?.close();
  await world?.close();
});

it('hibernates an idle session and resumes it with its history on the next message', async () => {
  stub.enqueue({ text: 'Noted: the colour is TEAL.' }, { text: 'It was TEAL.' });
  const { sessionId } = await callTool<{ sessionId: string }>(client, 'session_start', {
    prompt: 'Remember the colour teal.',
    wait: true,
  });
  const registry = system.worker.get(LiveSessionRegistry);
  expect(registry.get(sessionId)).toBeDefined();
  let status = '';
  await eventually(
    () => `the session to hibernate (status: ${status})`,
    async () =>
      (status = (await callTool<{ status: string }>(client, 'session_status', { sessionId }))
        .status) === 'hibernated',
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  expect(registry.get(sessionId)).toBeUndefined();

  const sent = await callTool<{ status: string; result: { result: string } }>(
    client,
    'session_send',
    {
      sessionId,
      message: 'Which colour?',
      wait: true,
    },
  );
  expect(sent.status).toBe('idle');
  expect(sent.result.result).toContain('It was TEAL.');
  const history = JSON.stringify(stub.conversationRequests().at(-1)?.messages);
  expect(history).toContain('Remember the colour teal.');
  expect(history).toContain('Noted: the colour is TEAL.');
  const events = await callTool<{ events: Array<{ kind: string; data: { status?: string } }> }>(
    client,
    'session_events',
    { sessionId, limit: 1000 },
  );
  const statuses = events.events.filter((e) => e.kind === 'status').map((e) => e.data.status);
  expect(statuses).toEqual(['running', 'idle', 'hibernated', 'running', 'idle']);
});
