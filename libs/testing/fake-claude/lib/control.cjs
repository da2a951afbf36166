// @ts-check
'use strict';
const data = require('./init-data.cjs');

/** @typedef {import('./session.cjs').Session} Session */

/** @param {string} requestId @param {Record<string, unknown>} response */
function controlSuccess(requestId, response) {
  return {
    type: 'control_response',
    response: { subtype: 'success', request_id: requestId, response },
  };
}

/** @param {string} requestId @param {string} error */
function controlError(requestId, error) {
  return { type: 'control_response', response: { subtype: 'error', request_id: requestId, error } };
}

/** The `initialize` answer: the 2.1.331 field set, with shortened catalogues. */
/** @param {Session} s */
function initializeResponse(s) {
  const c = s.config;
  return {
    commands: data.SLASH_COMMANDS.map((name) => ({
      name,
      description: '',
      argumentHint: '',
      builtin: true,
    })),
    agents: data.AGENTS.map((name) => ({ name, description: '' })),
    output_style: 'default',
    available_output_styles: ['default', 'Proactive', 'Concise', 'Explanatory', 'Learning'],
    user_output_styles_dir: `${s.env.HOME ?? ''}/.claude/output-styles`,
    models: [
      {
        value: 'default',
        resolvedModel: c.model,
        displayName: 'Default (recommended)',
        description: '',
      },
    ],
    account: {
      tokenSource: 'none',
      apiKeySource: s.env.ANTHROPIC_API_KEY ? 'ANTHROPIC_API_KEY' : 'none',
      apiProvider: 'firstParty',
    },
    pid: process.pid,
    claude_code_version: data.VERSION,
    current_permission_mode: c.permissionMode,
    hook_on_failure_supported: true,
    hooks_when_unanswered_kept: 0,
    other_hook_ask_outranks_host: true,
    feedback_mode: { kind: 'bundle' },
    analytics_disabled: false,
    sandbox_enabled: false,
    remote_control_auto_enable: false,
    remote_control_auto_connect_default: false,
    remote_control_available: false,
    remote_control_auto_on_by_default: false,
    ide_rc_auto_enable_gate: false,
    fast_mode_state: 'off',
    fast_mode_disabled_reason: 'sdk_opt_in_required',
    session_state: s.current ? 'running' : 'idle',
    capabilities: data.CAPABILITIES,
  };
}

/**
 * Answers one stdin `control_request`. The response is written at once, even mid-turn, which is
 * why a control_response can land between a turn's lines (as with the real CLI).
 * @param {Session} s @param {Record<string, any>} line
 */
async function handleControl(s, line) {
  const id = String(line.request_id ?? '');
  const request = line.request ?? {};
  switch (request.subtype) {
    case 'interrupt':
      await s.out.json(controlSuccess(id, { still_queued: [] }));
      s.interrupt();
      return;
    case 'initialize': {
      const answer = controlSuccess(id, initializeResponse(s));
      await s.out.json({
        ...answer,
        response: {
          ...answer.response,
          pending_permission_requests: [],
          pending_user_dialog_requests: [],
        },
      });
      return;
    }
    case 'set_permission_mode':
      s.config.permissionMode = String(request.mode ?? s.config.permissionMode);
      await s.out.json(controlSuccess(id, {}));
      return;
    case 'set_model':
      s.config.model = String(request.model ?? s.config.model);
      await s.out.json(controlSuccess(id, {}));
      return;
    default:
      await s.out.json(controlError(id, `Unsupported control request subtype: ${request.subtype}`));
  }
}

module.exports = { handleControl };
