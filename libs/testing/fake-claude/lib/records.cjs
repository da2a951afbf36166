// @ts-check
'use strict';
const { VERSION } = require('./init-data.cjs');
const { uuid } = require('./util.cjs');

// Transcript records in the 2.1.331 shapes (test/fixtures/cli/*.transcript.jsonl), minus the bulky
// bookkeeping the real CLI adds (attachments, api-request blobs: ~140 kB per session). Only the
// records a resume needs are written: queue operations, prompts, one assistant record per block,
// tool results, last-prompt, and cost-state on a clean exit.

/**
 * @typedef {import('./session.cjs').Session} Session
 * @typedef {import('./messages.cjs').ApiMessage} ApiMessage
 * @typedef {import('./messages.cjs').Block} Block
 */

const now = () => new Date().toISOString();

/** @param {Session} s */
function envelope(s) {
  return {
    userType: 'external',
    entrypoint: 'sdk-cli',
    cwd: s.config.cwd,
    sessionId: s.sessionId,
    version: VERSION,
    gitBranch: 'HEAD',
  };
}

/** @param {Session} s @param {unknown} content */
function enqueueRecord(s, content) {
  const text = typeof content === 'string' ? { content } : {};
  return {
    type: 'queue-operation',
    operation: 'enqueue',
    timestamp: now(),
    sessionId: s.sessionId,
    ...text,
  };
}

/** @param {Session} s */
function dequeueRecord(s) {
  return {
    type: 'queue-operation',
    operation: 'dequeue',
    timestamp: now(),
    sessionId: s.sessionId,
  };
}

/** @param {Session} s @param {unknown} content @param {string} promptId */
function promptRecord(s, content, promptId) {
  return {
    parentUuid: s.leafUuid,
    isSidechain: false,
    promptId,
    type: 'user',
    message: { role: 'user', content },
    uuid: uuid(),
    timestamp: now(),
    permissionMode: s.config.permissionMode,
    promptSource: 'sdk',
    rowSource: 'local',
    turnOrigin: 'sdk',
    turnPosition: { promptIndex: 0, turnIndex: s.turnIndex },
    ...envelope(s),
  };
}

/** @param {Session} s @param {ApiMessage} m @param {Block} block @param {number} index */
function assistantRecord(s, m, block, index) {
  const usage = {
    input_tokens: m.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: m.outputTokens,
  };
  return {
    parentUuid: s.leafUuid,
    isSidechain: false,
    message: {
      id: m.id,
      type: 'message',
      role: 'assistant',
      model: s.config.model,
      content: [block],
      stop_reason: m.stopReason,
      stop_sequence: null,
      usage,
      stop_details: null,
    },
    apiBlockIndex: index,
    requestId: m.requestId,
    requestedModel: s.config.model,
    type: 'assistant',
    uuid: uuid(),
    timestamp: now(),
    madeBy: 'model',
    ...envelope(s),
  };
}

/**
 * @param {Session} s @param {string} promptId @param {{ id: string }} toolUse @param {string} output
 * @param {string} assistantUuid @param {string} reasonType
 */
function toolResultRecord(s, promptId, toolUse, output, assistantUuid, reasonType) {
  return {
    parentUuid: s.leafUuid,
    isSidechain: false,
    promptId,
    type: 'user',
    message: {
      role: 'user',
      content: [{ tool_use_id: toolUse.id, type: 'tool_result', content: output, is_error: false }],
    },
    uuid: uuid(),
    timestamp: now(),
    toolUseResult: {
      stdout: output,
      stderr: '',
      interrupted: false,
      isImage: false,
      noOutputExpected: false,
    },
    sandboxed: false,
    sourceToolAssistantUUID: assistantUuid,
    permissionDecision: { decision: 'accept', source: 'config', reasonType, ruleSource: 'cliArg' },
    ...envelope(s),
  };
}

/** @param {Session} s @param {string} promptId */
function interruptedRecord(s, promptId) {
  return {
    parentUuid: s.leafUuid,
    isSidechain: false,
    promptId,
    type: 'user',
    message: { role: 'user', content: [{ type: 'text', text: '[Request interrupted by user]' }] },
    uuid: uuid(),
    timestamp: now(),
    ...envelope(s),
  };
}

/**
 * Per-turn bulk (FAKE_CLAUDE_TRANSCRIPT_PAD_BYTES) standing in for the real attachments and
 * request blobs (~140 kB for a first short turn on 2.1.331), so checkpoint and upload tests move
 * realistic sizes. The attachment type is unknown to the CLI; a real `--resume` accepted it.
 * @param {Session} s @param {number} bytes
 */
function paddingRecord(s, bytes) {
  return {
    parentUuid: s.leafUuid,
    isSidechain: false,
    attachment: {
      type: 'fake_padding',
      content: 'lorem ipsum '.repeat(Math.ceil(bytes / 12)).slice(0, bytes),
    },
    type: 'attachment',
    uuid: uuid(),
    timestamp: now(),
    ...envelope(s),
  };
}

/** @param {Session} s @param {string} prompt */
function lastPromptRecord(s, prompt) {
  return { type: 'last-prompt', lastPrompt: prompt, leafUuid: s.leafUuid, sessionId: s.sessionId };
}

/** @param {Session} s @param {number} costUsd */
function costStateRecord(s, costUsd) {
  return {
    type: 'cost-state',
    sessionId: s.sessionId,
    totalCostUSD: costUsd,
    totalAPIDuration: Math.round(s.totals.apiMs),
    totalDuration: Math.round(performance.now()),
    modelUsage: {},
    hasUnknownModelCost: false,
  };
}

module.exports = {
  enqueueRecord,
  dequeueRecord,
  promptRecord,
  assistantRecord,
  toolResultRecord,
  interruptedRecord,
  paddingRecord,
  lastPromptRecord,
  costStateRecord,
};
