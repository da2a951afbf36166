/**
 * A worker SIGKILLed while its turn waits for the client's approval: the call it asked about
 * never ran, so another worker runs the turn again and the real CLI simply asks again, under a
 * new requestId; the old one is no longer pending. Real processes, real Redis, the real CLI
 * against the Messages API stub.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import Redis from 'ioredis';
import { discoverClaudeBinary } from '@app/claude';
import { keys, type SessionEvent } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import {
  startMessagesStub,
  type MessagesStub,
  type RecordedRequest,
} from '@app/testing/messages-stub';
import { sessionDirs } from '../apps/worker/src/runtime/session-dirs';
import { startFleet, workerOf, type Fleet } from './support/fleet';
import { callTool, connectClient } from './support/system';

const LIVENESS_MS = 2_000;
let stub: MessagesStub;
let fleet: Fleet;
let client: Client;
let redis: Redis;

beforeAll(async () => {
  stub = await startMessagesStub();
  fleet = await startFleet({
    label: 'approvals-crash',
    workers: 2,
    env: {
      WORKER_LIVENESS_MS: String(LIVENESS_MS),
      CLAUDE_BIN: discoverClaudeBinary({ path: '' }),
      ANTHROPIC_BASE_URL: stub.url,
      ANTHROPIC_API_KEY: 'test-key',
    },
  });
  client = await connectClient(fleet.gateways[0].url, 'acme');
  redis = new Redis(fleet.redis.url, { keyPrefix: fleet.redis.keyPrefix });
}, 120_000);

afterAll(async () => {
  await client?.close();
  redis?.disconnect();
  await fleet?.close();
  await stub?.close();
});

async function events(sessionId: string): Promise<SessionEvent[]> {
  const page = await callTool<{ events: SessionEvent[] }>(client, 'session_events', {
    sessionId,
    limit: 1000,
  });
  return page.events;
}

const requestIdOf = (e: SessionEvent) => (e.data as { requestId: string }).requestId;
const statusOf = (e: SessionEvent) => (e.data as { status?: string } | null)?.status;

it('a turn whose worker died waiting for an approval runs again and asks again', async () => {
  const write = {
    toolUse: { name: 'Bash', input: { command: 'echo ok > crash.txt', description: 'write' } },
  };
  // Turn 1 ends; turn 2 asks for the command (once per attempt), then ends once it ran. Decided
  // by the request, not by order: the killed worker's CLI, until its broker kills it, may see
  // stdin close, take its prompt as denied and ask the stub once more.
  const ranTheCommand = (request: RecordedRequest) => {
    const { messages } = request.body as { messages: Array<{ content: unknown }> };
    const last = messages.at(-1)?.content;
    return Array.isArray(last) && last.some((b: { type?: string }) => b.type === 'tool_result');
  };
  const secondTurn = (request: RecordedRequest) =>
    ranTheCommand(request) ? { text: 'Written.' } : write;
  stub.enqueue({ text: 'Hello.' }, secondTurn, secondTurn, secondTurn, secondTurn);
  const { sessionId } = await callTool<{ sessionId: string }>(client, 'session_start', {
    prompt: 'Hi.',
    permissions: 'ask',
    wait: true,
  });
  const waited = await callTool<{ status: string; pending: { requestId: string } }>(
    client,
    'session_send',
    { sessionId, message: 'Write the file.', wait: true },
  );
  expect(waited.status).toBe('waiting');
  const first = waited.pending.requestId;

  const holder = await redis.get(keys.lease(sessionId));
  const victim = holder ? workerOf(fleet, holder) : undefined;
  if (!victim) throw new Error(`no worker of this fleet holds ${sessionId} (lease: ${holder})`);
  victim.kill();
  await victim.exited;
  void fleet.addWorker();

  let second: string | undefined;
  let seen: SessionEvent[] = [];
  // On a timeout, say what turn 2 did meanwhile.
  const turn2Story = () =>
    seen
      .filter((e) => e.turn === 2 && e.kind !== 'claude')
      .map((e) => `${e.kind}${statusOf(e) ? `:${statusOf(e)}` : ''}`)
      .join(' ');
  await eventually(
    () => `the re-run to ask again (turn 2 so far: ${turn2Story()})`,
    async () => {
      seen = await events(sessionId);
      const asked = seen.filter((e) => e.kind === 'permission_request');
      second = asked.map(requestIdOf).find((id) => id !== first);
      return second !== undefined;
    },
    30_000,
  );
  const turn2 = (await events(sessionId)).filter((e) => e.turn === 2);
  expect(turn2.some((e) => e.kind === 'turn_restarted')).toBe(true);
  expect(turn2.some((e) => e.kind === 'error')).toBe(false); // not turn_lost: Bash never ran
  await expect(
    callTool(client, 'session_respond', { sessionId, requestId: first, decision: 'allow' }),
  ).rejects.toThrow(/not pending/);
  await callTool(client, 'session_respond', { sessionId, requestId: second, decision: 'allow' });
  await eventually(
    'turn 2 to end',
    async () =>
      (await callTool<{ status: string }>(client, 'session_status', { sessionId })).status ===
      'idle',
    30_000,
  );
  const dir = sessionDirs(fleet.dataDir, sessionId).workspaceDir;
  expect(existsSync(join(dir, 'crash.txt'))).toBe(true);
});
