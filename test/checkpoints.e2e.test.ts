/**
 * Checkpoints end to end over MCP, with the real CLI and the stub, a real Redis and a real
 * S3-protocol server: checkpoint, terminate, restore on a different worker process (its own
 * DATA_DIR, so its own CLAUDE_CONFIG_DIR), through a different gateway.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { discoverClaudeBinary } from '@app/claude';
import { eventually } from '@app/testing/eventually';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { startTestRedis, startTestS3, type TestRedis, type TestS3 } from '@app/testing/services';
import {
  callTool,
  callToolAnswer,
  connectClient,
  startSystem,
  type RunningSystem,
} from './support/system';

let redis: TestRedis;
let s3: TestS3;
let stub: MessagesStub;
let system: RunningSystem;

beforeAll(async () => {
  [redis, s3, stub] = await Promise.all([
    startTestRedis({ label: 'ckpt' }),
    startTestS3({ label: 'ckpt', faultInjection: true }),
    startMessagesStub(),
  ]);
  system = await startSystem({
    redisUrl: redis.url,
    keyPrefix: redis.keyPrefix,
    env: {
      ...s3.env(),
      CLAUDE_BIN: discoverClaudeBinary({ path: '' }),
      ANTHROPIC_BASE_URL: stub.url,
      ANTHROPIC_API_KEY: 'test-key',
      SESSION_IDLE_MS: '1000',
    },
  });
});

afterAll(async () => {
  await system?.close();
  await Promise.allSettled([stub?.close(), redis?.close(), s3?.close()]);
});

beforeEach(() => stub.reset());

interface Turn {
  sessionId: string;
  status: string;
  result?: { result?: string; is_error: boolean };
  error?: string;
}

async function waitForStatus(client: Client, sessionId: string, status: string): Promise<void> {
  let last = '';
  await eventually(
    () => `session status ${status} (last: ${last})`,
    async () =>
      (last = (await callTool<{ status: string }>(client, 'session_status', { sessionId }))
        .status) === status,
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}

/** Stops every worker but a new one with its own DATA_DIR, so the next turn can only run there. */
async function replaceWorkers(): Promise<INestApplication> {
  const fresh = await system.addWorker();
  await system.worker.close();
  return fresh;
}

it('restores a checkpoint on another worker: the model gets the whole earlier history', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue({ text: 'Noted: the word is PLUM.' }, { text: 'And the number is 7.' });
  const { sessionId } = await callTool<Turn>(client, 'session_start', {
    prompt: 'Remember PLUM.',
    wait: true,
  });
  await callTool(client, 'session_send', { sessionId, message: 'Also remember 7.', wait: true });
  const original = stub.conversationRequests().at(-1)?.messages ?? [];

  const created = await callTool<{
    checkpointId: string;
    bytes: number;
    storedBytes: number;
    newBytes: number;
  }>(client, 'checkpoint_create', { sessionId, label: 'after two turns' });
  expect(created.checkpointId).toMatch(/^[0-9a-f]{64}$/);
  expect(created.bytes).toBeGreaterThan(1000);
  expect(created.storedBytes).toBeLessThan(created.bytes / 2);
  const listed = await callTool<{
    checkpoints: Array<{ checkpointId: string; label: string | null; turn: number }>;
  }>(client, 'checkpoint_list', { sessionId });
  expect(listed.checkpoints.length).toBeGreaterThanOrEqual(3); // one per turn, plus the labelled one
  expect(listed.checkpoints.at(-1)).toMatchObject({
    checkpointId: created.checkpointId,
    label: 'after two turns',
    turn: 2,
  });
  await callTool(client, 'session_terminate', { sessionId });
  await client.close();

  const fresh = await replaceWorkers();
  const other = await connectClient(await system.addGateway(), 'acme');
  try {
    stub.enqueue({ text: 'PLUM and 7.' });
    const forked = await callTool<Turn>(other, 'session_start', {
      prompt: 'What did I ask you to remember?',
      checkpointId: created.checkpointId,
      wait: true,
    });
    expect(forked.status).toBe('idle');
    expect(forked.result?.result).toContain('PLUM and 7.');
    const restored = conversation(stub.conversationRequests().at(-1)?.messages ?? []);
    // Everything the original's last model call saw, its reply, then the new message.
    expect(restored).toEqual([
      ...conversation(original),
      'assistant: And the number is 7.',
      'user: What did I ask you to remember?',
    ]);
    expect(forked.sessionId).not.toBe(sessionId);
  } finally {
    await other.close();
    system.worker = fresh;
  }
});

it('a hibernated session resumes on a different worker from its last checkpoint', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue({ text: 'Colour noted: TEAL.' }, { text: 'It was TEAL.' });
  const { sessionId } = await callTool<Turn>(client, 'session_start', {
    prompt: 'Remember teal.',
    wait: true,
  });
  await waitForStatus(client, sessionId, 'hibernated');
  system.worker = await replaceWorkers();
  const sent = await callTool<Turn>(client, 'session_send', {
    sessionId,
    message: 'Which colour?',
    wait: true,
  });
  expect(sent.status).toBe('idle');
  const history = JSON.stringify(stub.conversationRequests().at(-1)?.messages);
  expect(history).toContain('Remember teal.');
  expect(history).toContain('Colour noted: TEAL.');
  await client.close();
});

it('a corrupted checkpoint object is detected: the turn fails with a clear error, nothing starts', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue({ text: 'Secret: OPAL.' });
  const { sessionId } = await callTool<Turn>(client, 'session_start', {
    prompt: 'Keep OPAL.',
    wait: true,
  });
  const { checkpointId } = await callTool<{ checkpointId: string }>(client, 'checkpoint_create', {
    sessionId,
  });
  flipAByteInEveryChunk(s3.dataDir ?? '');
  const forked = await callToolAnswer<Turn>(client, 'session_start', {
    prompt: 'What secret?',
    checkpointId,
    wait: true,
  });
  expect(forked.isError).toBe(true);
  expect(forked.text).toMatch(/^Turn 1 of session \S+ failed\. .*(hash check|corrupt)/i);
  expect(forked.structured.status).toBe('failed');
  expect(forked.structured.error).toMatch(/hash check|corrupt/i);
  expect(stub.conversationRequests()).toHaveLength(1); // no CLI reached the model for the fork
  await client.close();
});

/** A request's user and assistant turns as text (cache markers and block layout vary between calls). */
function conversation(messages: Array<{ role: string; content: unknown }>): string[] {
  return messages
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .map((m) => {
      const blocks =
        typeof m.content === 'string'
          ? [{ type: 'text', text: m.content }]
          : (m.content as Array<{ type: string; text?: string }>);
      const text = blocks
        .filter((b) => b.type === 'text')
        .map((b) => b.text)
        .join('');
      return `${m.role}: ${text}`;
    });
}

/** Corrupts the stored zstd objects above the manifest size, i.e. the transcript chunks. */
function flipAByteInEveryChunk(root: string): void {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  for (const file of walk(root).filter((f) => f.includes('/objects/') && statSync(f).size > 4096)) {
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(file, bytes);
  }
}

it('S3 gone during the automatic checkpoint: a clear error event, the session keeps working, no partial checkpoint', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue({ text: 'first' }, { text: 'second' }, { text: 'third' });
  const { sessionId } = await callTool<Turn>(client, 'session_start', {
    prompt: 'one',
    wait: true,
  });
  const before = await callTool<{ checkpoints: unknown[] }>(client, 'checkpoint_list', {
    sessionId,
  });
  await s3.stop();
  try {
    const sent = await callTool<Turn>(client, 'session_send', {
      sessionId,
      message: 'two',
      wait: true,
    });
    expect(sent.status).toBe('idle');
    expect(sent.result?.result).toContain('second');
    const { events } = await callTool<{
      events: Array<{ kind: string; turn: number; data: { code?: string; message?: string } }>;
    }>(client, 'session_events', { sessionId, limit: 1000 });
    const failure = events.find((e) => e.kind === 'error' && e.turn === 2);
    expect(failure?.data.code).toBe('checkpoint_failed');
    expect(failure?.data.message).toMatch(/unreachable|unavailable|ECONNREFUSED/i);
  } finally {
    await s3.start();
  }
  const after = await callTool<{ checkpoints: unknown[] }>(client, 'checkpoint_list', {
    sessionId,
  });
  expect(after.checkpoints).toHaveLength(before.checkpoints.length);
  const third = await callTool<Turn>(client, 'session_send', {
    sessionId,
    message: 'three',
    wait: true,
  });
  expect(third.result?.result).toContain('third');
  const final = await callTool<{ checkpoints: Array<{ turn: number }> }>(
    client,
    'checkpoint_list',
    { sessionId },
  );
  expect(final.checkpoints.at(-1)?.turn).toBe(3);
  await client.close();
});
