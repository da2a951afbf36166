// @ts-check
'use strict';
const { readFileSync } = require('node:fs');
const faults = require('./faults.cjs');

/**
 * @typedef {import('./turn.cjs').Turn} Turn
 * @typedef {Record<string, string>} Params
 * @typedef {{ params: Record<string, [string, string]>, run: (t: Turn, p: Params) => Promise<void>, verbatim?: boolean }} Scenario
 *   `verbatim`: the scenario writes every line itself (no init from the turn)
 */

/** @typedef {Record<string, [string, string]>} ParamSpec key → [env var, default] */

/** Knobs every scenario understands. @type {ParamSpec} */
const COMMON = {
  delay_ms: ['FAKE_CLAUDE_DELAY_MS', '0'],
  latency_ms: ['FAKE_CLAUDE_LATENCY_MS', '0'],
  text: ['FAKE_CLAUDE_TEXT', ''],
};

/** @param {Turn} t @param {Params} p */
async function text(t, p) {
  await t.request();
  await t.message([{ type: 'text', text: t.replyText(p) }]);
  await t.finishSuccess();
}

/** @param {Turn} t @param {Params} p */
async function thinking(t, p) {
  await t.request();
  const signature = 'c2lnbmF0dXJl'.repeat(100); // real signature_delta payloads are ~1-1.5 kB
  await t.message([
    { type: 'thinking', thinking: 'Let me think about this.', signature },
    { type: 'text', text: t.replyText(p) },
  ]);
  await t.finishSuccess();
}

/**
 * Mirrors the recorded tool_use fixture: text + tool_use in one message, the tool result, then
 * the final answer in a second API round trip. `rounds` repeats the tool call.
 * @param {Turn} t @param {Params} p
 */
async function toolUse(t, p) {
  const rounds = Math.max(1, Number(p.rounds) || 1);
  for (let i = 0; i < rounds; i++) await toolRound(t, p);
  await t.request();
  await t.message([{ type: 'text', text: p.text || `The command printed ${p.output}.` }]);
  await t.finishSuccess();
}

/** @param {Turn} t @param {Params} p */
async function toolRound(t, p) {
  await t.request();
  const call = t.toolUse(p.tool, { command: p.command, description: 'Run the requested command' });
  const uuids = await t.message([{ type: 'text', text: 'I will run the command.' }, call]);
  await t.toolResult(call, p.output, uuids[uuids.length - 1]);
}

/** Keeps calling a tool until the turn budget (--max-turns, else `limit`) runs out. */
/** @param {Turn} t @param {Params} p */
async function maxTurns(t, p) {
  if (t.maxTurns === undefined) t.maxTurns = Math.max(1, Number(p.limit) || 1);
  for (;;) await toolRound(t, p);
}

/** Per status: Anthropic error type, the CLI's `error` classification and text prefix (400/403 recorded). */
/** @type {Record<string, { status: number, type: string, error: string, prefix?: string }>} */
const API_ERRORS = {
  400: { status: 400, type: 'invalid_request_error', error: 'unknown' },
  401: {
    status: 401,
    type: 'authentication_error',
    error: 'authentication_failed',
    prefix: 'Failed to authenticate. ',
  },
  403: {
    status: 403,
    type: 'permission_error',
    error: 'authentication_failed',
    prefix: 'Failed to authenticate. ',
  },
  429: { status: 429, type: 'rate_limit_error', error: 'rate_limit' },
  500: { status: 500, type: 'api_error', error: 'server_error' },
  529: { status: 529, type: 'overloaded_error', error: 'overloaded' },
};

/** `kind=auth` is the missing-credentials arm ("Not logged in"), which has no HTTP status. */
/** @param {Turn} t @param {Params} p */
async function apiError(t, p) {
  await t.request();
  if (p.kind === 'auth') {
    await t.finishApiError({
      status: 0,
      type: '',
      error: 'authentication_failed',
      text: 'Not logged in · Please run /login',
    });
    return;
  }
  const known = API_ERRORS[p.status] ?? {
    status: Number(p.status) || 500,
    type: 'api_error',
    error: 'unknown',
  };
  await t.finishApiError({
    ...known,
    text: `${known.prefix ?? ''}API Error: ${known.status} ${p.message}`,
  });
}

/** Replays a recorded stdout verbatim (notes §6 FAKE_CLAUDE_SCRIPT), one write per line. */
/** @param {Turn} t @param {Params} p */
async function script(t, p) {
  const lines = readFileSync(p.file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  for (const line of lines) {
    if (t.delayMs > 0) await t.sleep(t.delayMs);
    await t.s.out.raw(`${line}\n`);
  }
  t.s.lastResultIsError = lines.some(
    (l) => l.includes('"type":"result"') && l.includes('"is_error":true'),
  );
}

/** @type {ParamSpec} */
const TOOL = {
  tool: ['FAKE_CLAUDE_TOOL', 'Bash'],
  command: ['FAKE_CLAUDE_COMMAND', 'echo hello'],
  output: ['FAKE_CLAUDE_TOOL_OUTPUT', 'hello'],
};

/** @type {Record<string, Scenario>} */
const SCENARIOS = {
  text: { params: {}, run: text },
  slow: { params: { delay_ms: ['FAKE_CLAUDE_DELAY_MS', '200'] }, run: text },
  thinking: { params: {}, run: thinking },
  tool_use: { params: { ...TOOL, rounds: ['FAKE_CLAUDE_ROUNDS', '1'] }, run: toolUse },
  max_turns: { params: { ...TOOL, limit: ['FAKE_CLAUDE_MAX_TURNS_LIMIT', '1'] }, run: maxTurns },
  api_error: {
    params: {
      status: ['FAKE_CLAUDE_API_STATUS', '400'],
      message: ['FAKE_CLAUDE_API_MESSAGE', 'stub: prompt rejected'],
      kind: ['FAKE_CLAUDE_API_KIND', 'status'],
    },
    run: apiError,
  },
  script: { params: { file: ['FAKE_CLAUDE_SCRIPT', ''] }, run: script, verbatim: true },
  ...faults.SCENARIOS,
};

/** @param {string} name @returns {Scenario | undefined} */
function scenario(name) {
  return Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name] : undefined;
}

module.exports = { scenario, SCENARIOS, COMMON };
