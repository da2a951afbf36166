// @ts-check
'use strict';
const { uuid } = require('./util.cjs');

// `result` lines. Field names, arms and key order come from real 2.1.331 recordings: success,
// api error (synthetic 400), error_max_turns, interrupt (aborted_streaming) and unknown --resume.

/**
 * @typedef {import('./session.cjs').Session} Session
 * @typedef {{ startedAt: number, requestAt: number | undefined, firstContentAt: number | undefined,
 *   apiMs: number, numTurns: number, inTok: number, outTok: number, begunIds: string[],
 *   stopReason: string | null, text: string }} TurnStats
 */

/** Prices of claude-opus-5-5 as implied by the recordings ($4 / $20 per Mtok). */
const cost = (/** @type {number} */ inTok, /** @type {number} */ outTok) =>
  inTok * 4e-6 + outTok * 2e-5;

const SUBAGENT_STATS = {
  spawned: 0,
  requested: { background: 0, foreground: 0, unset: 0 },
  started_in_background: 0,
  max_depth: 0,
  spawned_by_subagents: 0,
  completed: 0,
  failed: 0,
  killed: { parent: 0, user: 0, system: 0 },
  refused: { depth_limit: 0, concurrency_limit: 0, budget: 0 },
  by_type: {},
};

const USAGE_TAIL = {
  server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
  service_tier: 'standard',
  cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
  inference_geo: '',
  iterations: [],
  speed: 'standard',
  fallback_credit: null,
};

/** @param {number} inTok @param {number} outTok */
function turnUsage(inTok, outTok) {
  const tokens = {
    input_tokens: inTok,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outTok,
  };
  return { ...tokens, output_tokens_details: { thinking_tokens: 0 }, ...USAGE_TAIL };
}

/** The CLI prints a differently ordered usage object when the turn produced no billable message. */
function zeroUsage() {
  const tokens = {
    input_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 0,
  };
  return { output_tokens_details: { thinking_tokens: 0 }, ...tokens, ...USAGE_TAIL };
}

/** @param {string} model @param {number} inTok @param {number} outTok */
function modelUsage(model, inTok, outTok) {
  if (inTok === 0 && outTok === 0) return {};
  const entry = {
    inputTokens: inTok,
    outputTokens: outTok,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    webSearchRequests: 0,
    costUSD: cost(inTok, outTok),
    contextWindow: 1000000,
    maxOutputTokens: 128000,
    thinkingTokens: 0,
    cacheCreationEphemeral5mInputTokens: 0,
    cacheCreationEphemeral1hInputTokens: 0,
    canonicalModel: model,
    provider: 'firstParty',
    costBasis: 'list',
  };
  return { [model]: entry };
}

/**
 * Fields shared by every in-session arm, up to `num_turns`; the caller appends the arm's tail.
 * `s.totals` must already include this turn (cost and modelUsage are cumulative per process).
 * @param {Session} s @param {TurnStats} t @param {string} terminalReason @param {boolean} isError @param {boolean} zero
 */
function head(s, t, terminalReason, isError, zero) {
  const model = s.config.model;
  return {
    duration_api_ms: Math.round(t.apiMs),
    stop_reason: t.stopReason,
    session_id: s.sessionId,
    total_cost_usd: cost(s.totals.inTok, s.totals.outTok),
    usage: zero ? zeroUsage() : turnUsage(t.inTok, t.outTok),
    modelUsage: modelUsage(model, s.totals.inTok, s.totals.outTok),
    permission_denials: [],
    terminal_reason: terminalReason,
    fast_mode_state: 'off',
    fast_mode_disabled_reason: 'sdk_opt_in_required',
    subagent_stats: SUBAGENT_STATS,
    safety_stops: 0,
    is_error: isError,
    num_turns: t.numTurns,
  };
}

/** @param {TurnStats} t */
function tail(t) {
  return {
    type: 'result',
    duration_ms: Math.round(performance.now() - t.startedAt),
    uuid: uuid(),
  };
}

/** Present whenever --include-partial-messages is on, even empty (e.g. after an API error). */
/** @param {Session} s @param {TurnStats} t */
function begun(s, t) {
  return s.config.partial ? { begun_message_ids: t.begunIds } : {};
}

/** @param {Session} s @param {TurnStats} t */
function closing(s, t) {
  return {
    queued_turn_count: 0,
    result_index: s.resultIndex++,
    model_usage_since_last_result: modelUsage(s.config.model, t.inTok, t.outTok),
  };
}

/** @param {Session} s @param {TurnStats} t @param {string} [commandUuid] the stdin line's uuid */
function successResult(s, t, commandUuid) {
  const ms = (/** @type {number | undefined} */ at) =>
    Math.round((at ?? t.startedAt) - t.startedAt);
  const timing = {
    ttft_stream_ms: ms(t.firstContentAt),
    time_to_request_ms: ms(t.requestAt),
    first_content_frame_ms: ms(t.firstContentAt),
  };
  return {
    ...head(s, t, 'completed', false, false),
    subtype: 'success',
    api_error_status: null,
    result: t.text,
    ttft_ms: ms(t.firstContentAt),
    ...tail(t),
    ...begun(s, t),
    ...timing,
    ...(commandUuid ? commandFields(t, commandUuid) : {}),
    ...closing(s, t),
  };
}

/** Only when the stdin user line carried a `uuid` (observed on success results). */
/** @param {TurnStats} t @param {string} id */
function commandFields(t, id) {
  return {
    user_message_uuid: id,
    user_message_uuids: [id],
    request_sent_wall_ms: Math.round(performance.timeOrigin + (t.requestAt ?? t.startedAt)),
    first_request_input_tokens: 10,
    first_request_cache_read_input_tokens: 0,
  };
}

/** API failures are `subtype: success` + `is_error: true` (branch on is_error, not subtype). */
/** @param {Session} s @param {TurnStats} t @param {{ status: number, type: string, text: string }} e */
function apiErrorResult(s, t, e) {
  return {
    ...head(s, { ...t, stopReason: 'stop_sequence' }, 'api_error', true, true),
    subtype: 'success',
    api_error_status: e.status || null,
    ...(e.status ? { api_error_type: e.type } : {}),
    result: e.text,
    ...tail(t),
    ...begun(s, t),
    ...closing(s, t),
  };
}

/** Error arms carry `errors[]` and no `result` key. */
/** @param {Session} s @param {TurnStats} t @param {'error_max_turns' | 'error_during_execution'} subtype @param {string} terminalReason @param {string[]} errors */
function errorResult(s, t, subtype, terminalReason, errors) {
  return {
    ...head(s, t, terminalReason, true, terminalReason !== 'max_turns'),
    subtype,
    errors,
    ...tail(t),
    ...begun(s, t),
    ...closing(s, t),
  };
}

/** Printed before any turn, e.g. for an unknown --resume id; the only arm with `type` first. */
/** @param {string} sessionId @param {string} error */
function startupErrorResult(sessionId, error) {
  return {
    type: 'result',
    subtype: 'error_during_execution',
    duration_ms: 0,
    duration_api_ms: 0,
    is_error: true,
    num_turns: 0,
    stop_reason: null,
    session_id: sessionId,
    total_cost_usd: 0,
    usage: zeroUsage(),
    modelUsage: {},
    permission_denials: [],
    uuid: uuid(),
    errors: [error],
    result_index: 0,
  };
}

module.exports = { successResult, apiErrorResult, errorResult, startupErrorResult, cost };
