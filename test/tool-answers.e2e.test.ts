/**
 * What a model reads from a turn tool, end to end with the real CLI against the Messages API
 * stub: a waited turn opens with the model's answer; an API error (reported by the CLI as a
 * "success" with is_error) is a tool error saying what to do; a worker without an Anthropic key
 * says so in words for a hosted backend, not the CLI's "Please run /login".
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  callToolAnswer,
  connectClient,
  startRealCliSystem,
  type RealCliSystem,
} from './support/system';

interface Turn {
  sessionId: string;
  status: string;
  result?: Record<string, unknown>;
  error?: string;
  errorCode?: string;
}

let world: RealCliSystem;
let acme: Client;

beforeAll(async () => {
  world = await startRealCliSystem('tool-answers');
  acme = await connectClient(world.system.urls[0], 'acme');
}, 60_000);

afterAll(async () => {
  await acme?.close();
  await world?.close();
});

beforeEach(() => world.stub.reset());

it('a waited turn opens with the model’s answer, then one status line', async () => {
  world.stub.enqueue({ text: 'Paris is the capital of France.' });
  const answer = await callToolAnswer<Turn>(acme, 'session_start', {
    prompt: 'What is the capital of France?',
    wait: true,
  });
  expect(answer.isError).toBe(false);
  expect(answer.text.startsWith('Paris is the capital of France.\n\n[turn 1 of session ')).toBe(
    true,
  );
  expect(answer.text).toMatch(/: idle, 1 model call, \$\d+\.\d{4}; it takes the next message/);
  // The CLI's whole result line stays in structuredContent, not in the text.
  expect(answer.text.length).toBeLessThan(200);
  expect(answer.structured).toMatchObject({
    status: 'idle',
    result: { type: 'result', is_error: false, result: 'Paris is the capital of France.' },
  });
}, 60_000);

it('an API 529 (which the CLI reports as subtype "success") is a tool error saying what to do', async () => {
  // The CLI retries an overloaded API on its own: every attempt is answered 529.
  world.stub.enqueue(
    ...Array.from({ length: 20 }, () => ({
      error: { status: 529, message: 'Overloaded', shouldRetry: false },
    })),
  );
  const answer = await callToolAnswer<Turn>(
    acme,
    'session_start',
    { prompt: 'Anyone there?', wait: true },
    { timeout: 120_000 },
  );
  expect(answer.isError).toBe(true);
  expect(answer.text).toMatch(
    /^Turn 1 of session \S+ failed\. The Anthropic API answered 529 \(overloaded_error\): .*Overloaded.*temporary: send the message again with session_send/s,
  );
  expect(answer.structured).toMatchObject({
    status: 'idle',
    result: { type: 'result', subtype: 'success', is_error: true, api_error_status: 529 },
  });
}, 150_000);

it('a worker without an Anthropic key says the operator must set one, not "run /login"', async () => {
  const keyless = await startRealCliSystem('tool-answers-keyless', { ANTHROPIC_API_KEY: '' });
  const client = await connectClient(keyless.system.urls[0], 'acme');
  try {
    const answer = await callToolAnswer<Turn>(client, 'session_start', {
      prompt: 'Hello?',
      wait: true,
    });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(
      /^Turn 1 of session \S+ failed\. The worker has no Anthropic credentials: the operator must set ANTHROPIC_API_KEY on the workers \(or pass ANTHROPIC_AUTH_TOKEN through CLAUDE_ENV_PASSTHROUGH\); nothing in the session needs to change/,
    );
    expect(answer.text).not.toMatch(/login/i);
    expect(answer.structured).toMatchObject({
      status: 'idle',
      errorCode: 'no_credentials',
      result: { is_error: true },
    });
    expect(keyless.stub.conversationRequests()).toHaveLength(0);
  } finally {
    await client.close();
    await keyless.close();
  }
}, 90_000);
