/**
 * The worker drives the CLI stand-in (libs/testing/cli-standin) as it drives the real CLI: the
 * whole system (gateway, BullMQ on a real Redis, worker) with CLAUDE_BIN pointing at the
 * stand-in. A session starts and streams a recorded turn, hibernates, and its follow-up runs in a
 * new process that resumes the transcript the first one wrote (restored from the checkpoint).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eventually } from '@app/testing/eventually';
import { startTestRedis, type TestRedis } from '@app/testing/services';
import { buildCliStandin } from '../libs/testing/cli-standin/build';
import { callTool, connectClient, startSystem, type RunningSystem } from './support/system';

/** The worker passes only allow-listed variables to the CLI; these go through by name. */
const STANDIN_ENV = { CLI_STANDIN_RECORDING: 'long_text', CLI_STANDIN_STAMP: '1' };

interface Turn {
  status: string;
  sessionId: string;
  result?: { type: string; is_error: boolean; result?: string; session_id?: string };
}
interface Event {
  turn: number;
  kind: string;
  data: Record<string, unknown>;
}

let redis: TestRedis;
let system: RunningSystem;
let client: Client;

beforeAll(async () => {
  const bin = await buildCliStandin();
  redis = await startTestRedis({ label: 'standin' });
  system = await startSystem({
    redisUrl: redis.url,
    keyPrefix: redis.keyPrefix,
    env: {
      CLAUDE_BIN: bin,
      SANDBOX: 'none',
      SESSION_IDLE_MS: '1000',
      CLAUDE_ENV_PASSTHROUGH: Object.keys(STANDIN_ENV).join(','),
      ...STANDIN_ENV,
    },
  });
  client = await connectClient(system.urls[0], 'acme');
});

afterAll(async () => {
  await client?.close();
  await system?.close();
  await redis?.close();
});

it('starts a session, streams the recorded turn, and resumes its transcript for a follow-up', async () => {
  const progress: string[] = [];
  const started = await callTool<Turn>(
    client,
    'session_start',
    { prompt: 'Count to a hundred.', wait: true },
    { onprogress: (p) => progress.push(p.message ?? '') },
  );
  expect(started.status).toBe('idle');
  const words = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
  expect(started.result).toMatchObject({ type: 'result', is_error: false, result: words });
  // Streamed as it was written: every text delta reached the client, stamped (passthrough works).
  const deltas = progress.filter((m) => m.includes('text_delta'));
  expect(deltas).toHaveLength(100);
  expect(deltas.every((m) => /"standin_sent_at":\d+(\.\d+)?,"type"/.test(m))).toBe(true);

  const { sessionId } = started;
  await eventually(
    'the session to hibernate',
    async () => {
      const { status } = await callTool<{ status: string }>(client, 'session_status', {
        sessionId,
      });
      return status === 'hibernated';
    },
    20_000,
  );

  // A new process with --resume: with no transcript it would fail like the real CLI does.
  const sent = await callTool<Turn>(client, 'session_send', {
    sessionId,
    message: '[[standin recording=text]] And now?',
    wait: true,
  });
  expect(sent.status).toBe('idle');
  expect(sent.result).toMatchObject({ is_error: false, result: 'Hello from the stub model.' });

  const { events } = await callTool<{ events: Event[] }>(client, 'session_events', {
    sessionId,
    limit: 1000,
  });
  const inits = events.filter((e) => e.kind === 'claude' && e.data.subtype === 'init');
  expect(inits.map((e) => e.turn)).toEqual([1, 2]);
  // The second process took the first one's Claude session: the resumed transcript's id.
  expect(inits[1].data.session_id).toBe(inits[0].data.session_id);
  const statuses = events.filter((e) => e.kind === 'status').map((e) => e.data.status);
  expect(statuses).toEqual(['running', 'idle', 'hibernated', 'running', 'idle']);
});
