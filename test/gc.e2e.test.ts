/**
 * The scheduled checkpoint GC (a BullMQ job scheduler in the worker) frees what no checkpoint
 * references and keeps everything a session still needs: its checkpoint restores afterwards.
 */
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { objectKey } from '@app/checkpoint';
import { eventually } from '@app/testing/eventually';
import type { MessagesStub } from '@app/testing/messages-stub';
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

beforeAll(async () => {
  world = await startRealCliSystem('gc', { GC_INTERVAL_MS: '300', GC_GRACE_MS: '60000' });
  ({ stub, system } = world);
});

afterAll(async () => {
  await world?.close();
});

it('sweeps unreferenced objects past the grace period, keeps young ones and everything referenced', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue({ text: 'Keep this: JADE.' }, { text: 'It was JADE.' });
  const { sessionId } = await callTool<{ sessionId: string }>(client, 'session_start', {
    prompt: 'Remember jade.',
    wait: true,
  });
  const { checkpointId } = await callTool<{ checkpointId: string }>(client, 'checkpoint_create', {
    sessionId,
  });

  const root = join(system.dataDir, 'checkpoints');
  const orphan = (hash: string, ageMs: number) => {
    const file = join(root, objectKey('acme', hash));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'not referenced by anything');
    const when = new Date(Date.now() - ageMs);
    utimesSync(file, when, when);
    return file;
  };
  const old = orphan('a'.repeat(64), 3_600_000);
  const young = orphan('b'.repeat(64), 0);

  await eventually('the scheduled GC to sweep the old orphan', () => !existsSync(old), {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  expect(existsSync(young)).toBe(true);

  const forked = await callTool<{ status: string; result: { result: string } }>(
    client,
    'session_start',
    {
      prompt: 'Which stone?',
      checkpointId,
      wait: true,
    },
  );
  expect(forked.status).toBe('idle');
  expect(JSON.stringify(stub.conversationRequests().at(-1)?.messages)).toContain(
    'Keep this: JADE.',
  );
  await client.close();
});
