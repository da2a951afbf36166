// @ts-check
'use strict';
const data = require('./init-data.cjs');
const { uuid } = require('./util.cjs');

// Builders for every stdout line except `result` (see result.cjs). Key order follows the real
// 2.1.331 recordings in test/fixtures/cli: consumers must not depend on it, but byte-level
// comparisons and "type is not always the first key" pitfalls stay realistic that way.

/**
 * @typedef {import('./session.cjs').Session} Session
 * @typedef {{ type: 'text', text: string } | { type: 'thinking', thinking: string, signature: string }
 *   | { type: 'tool_use', id: string, name: string, input: Record<string, unknown> }} Block
 * @typedef {{ id: string, requestId: string, blocks: Block[], stopReason: string,
 *   inputTokens: number, outputTokens: number }} ApiMessage
 */

/** @param {Session} s */
function initMessage(s) {
  const c = s.config;
  const env = process.env;
  return {
    type: 'system',
    subtype: 'init',
    cwd: c.cwd,
    session_id: s.sessionId,
    tools: offeredTools(c),
    mcp_servers: c.mcpServers.map((name) => ({ name, status: 'connected' })),
    model: c.model,
    permissionMode: c.permissionMode,
    slash_commands: data.SLASH_COMMANDS,
    terminal_slash_commands: data.TERMINAL_SLASH_COMMANDS,
    apiKeySource: env.ANTHROPIC_API_KEY ? 'ANTHROPIC_API_KEY' : 'none',
    claude_code_version: data.VERSION,
    output_style: 'default',
    agents: data.AGENTS,
    skills: data.SKILLS,
    plugins: data.PLUGINS,
    capabilities: data.CAPABILITIES,
    analytics_disabled: Boolean(
      env.DISABLE_TELEMETRY || env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC,
    ),
    product_feedback_disabled: Boolean(env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC),
    served_by_anthropic: !env.ANTHROPIC_BASE_URL,
    uuid: uuid(),
    sandbox_enabled: false,
    memory_paths: { auto: `${s.projectDir}/memory/` },
    original_cwd: c.cwd,
    additional_directories: [],
    messaging_socket_path: `/tmp/cc-socks/${process.pid}.sock`,
    fast_mode_state: 'off',
    fast_mode_disabled_reason: 'sdk_opt_in_required',
    per_turn_effort_active: true,
    ultrathink_available: false,
    ultrathink_typed_raises: false,
    view_mode: 'default',
  };
}

/** `--tools` restricts the offered set, `--disallowedTools` removes from it (`--allowedTools` only pre-approves). */
/** @param {import('./config.cjs').Config} c */
function offeredTools(c) {
  const base =
    c.tools === null || c.tools.includes('default')
      ? data.TOOLS
      : data.TOOLS.filter((t) => c.tools?.includes(t));
  const denied = new Set(c.disallowedTools);
  return base.filter((t) => !denied.has(t));
}

/** Only emitted with --include-partial-messages on 2.1.331 (before every API request). */
/** @param {Session} s */
function statusMessage(s) {
  return {
    type: 'system',
    subtype: 'status',
    status: 'requesting',
    session_id: s.sessionId,
    uuid: uuid(),
  };
}

/**
 * `message_start` carries ttft_ms; it and the thinking block's start and thinking deltas carry
 * `thinking_display` (2.1.331).
 * @param {Session} s @param {ApiMessage} m @param {Record<string, any>} event @param {number | undefined} ttftMs
 */
function streamEvent(s, m, event, ttftMs) {
  const line = {
    type: 'stream_event',
    event,
    session_id: s.sessionId,
    parent_tool_use_id: null,
    uuid: uuid(),
  };
  if (ttftMs !== undefined)
    return { ...line, ttft_ms: ttftMs, thinking_display: 'updates', api_message_id: m.id };
  const thinking =
    event.content_block?.type === 'thinking' || event.delta?.type === 'thinking_delta';
  return thinking
    ? { ...line, thinking_display: 'updates', api_message_id: m.id }
    : { ...line, api_message_id: m.id };
}

/** @param {Session} s @param {number} estimated @param {number} delta */
function thinkingTokensMessage(s, estimated, delta) {
  return {
    type: 'system',
    subtype: 'thinking_tokens',
    estimated_tokens: estimated,
    estimated_tokens_delta: delta,
    uuid: uuid(),
    session_id: s.sessionId,
  };
}

/** The usage the CLI copies from `message_start` into every assistant line. */
/** @param {ApiMessage} m */
function startUsage(m) {
  return {
    input_tokens: m.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 1,
  };
}

/** @param {Session} s @param {ApiMessage} m */
function apiMessageStart(s, m) {
  return {
    type: 'message_start',
    message: {
      id: m.id,
      type: 'message',
      role: 'assistant',
      model: s.config.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: startUsage(m),
    },
  };
}

/** One block per assistant line; several lines share `message.id` (real CLI behaviour). */
/** @param {Session} s @param {ApiMessage} m @param {Block} block */
function assistantMessage(s, m, block) {
  return {
    type: 'assistant',
    message: {
      id: m.id,
      type: 'message',
      role: 'assistant',
      model: s.config.model,
      content: [block],
      stop_reason: null,
      stop_sequence: null,
      usage: startUsage(m),
      context_management: null,
    },
    parent_tool_use_id: null,
    session_id: s.sessionId,
    uuid: uuid(),
    timestamp: new Date().toISOString(),
    request_id: m.requestId,
  };
}

/**
 * @param {Session} s @param {{ id: string, name: string }} toolUse @param {string} output
 * @param {string} reasonType `rule` when --allowedTools named the tool, else the read-only auto-approval
 * @param {string} [stdout]
 */
function toolResultMessage(s, toolUse, output, reasonType, stdout = output) {
  return {
    type: 'user',
    message: {
      role: 'user',
      content: [{ tool_use_id: toolUse.id, type: 'tool_result', content: output, is_error: false }],
    },
    parent_tool_use_id: null,
    session_id: s.sessionId,
    uuid: uuid(),
    timestamp: new Date().toISOString(),
    tool_use_result: {
      stdout,
      stderr: '',
      interrupted: false,
      isImage: false,
      noOutputExpected: false,
    },
    tool_result_meta: [
      {
        id: toolUse.id,
        permission_decision: { decision: 'accept', source: 'config', reason_type: reasonType },
      },
    ],
  };
}

/** @param {Session} s */
function interruptedMessage(s) {
  return {
    type: 'user',
    message: { role: 'user', content: [{ type: 'text', text: '[Request interrupted by user]' }] },
    parent_tool_use_id: null,
    session_id: s.sessionId,
    uuid: uuid(),
    timestamp: new Date().toISOString(),
  };
}

/** The synthetic assistant line the CLI emits when the API answers with an error (recorded with a 400). */
/**
 * @param {Session} s @param {{ status: number, type: string, text: string, error: string }} e
 * @param {string | undefined} requestId absent when no HTTP exchange happened (missing credentials)
 */
function apiErrorMessage(s, e, requestId) {
  const usage = {
    output_tokens_details: null,
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
    service_tier: null,
    cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
    inference_geo: null,
    iterations: null,
    speed: null,
    fallback_credit: null,
  };
  return {
    type: 'assistant',
    message: {
      diagnostics: null,
      id: uuid(),
      container: null,
      model: '<synthetic>',
      role: 'assistant',
      stop_details: null,
      stop_reason: 'stop_sequence',
      stop_sequence: '',
      type: 'message',
      usage,
      content: [{ type: 'text', text: e.text }],
      context_management: null,
    },
    parent_tool_use_id: null,
    session_id: s.sessionId,
    uuid: uuid(),
    timestamp: new Date().toISOString(),
    error: e.error,
    ...(requestId ? { request_id: requestId } : {}),
    is_api_error_message: true,
    ...(e.status ? { api_error_status: e.status, api_error_type: e.type } : {}),
  };
}

/** --replay-user-messages echoes each stdin user line once its turn starts. */
/** @param {Session} s @param {Record<string, unknown>} message @param {string} id */
function replayMessage(s, message, id) {
  return {
    type: 'user',
    message,
    session_id: s.sessionId,
    parent_tool_use_id: null,
    uuid: id,
    timestamp: new Date().toISOString(),
    isReplay: true,
  };
}

module.exports = {
  initMessage,
  statusMessage,
  streamEvent,
  thinkingTokensMessage,
  apiMessageStart,
  assistantMessage,
  toolResultMessage,
  interruptedMessage,
  apiErrorMessage,
  replayMessage,
};
