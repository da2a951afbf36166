// @ts-check
'use strict';
const msg = require('./messages.cjs');
const rec = require('./records.cjs');
const { splitEven, splitWords } = require('./util.cjs');

// One model message as the CLI prints it. Per block: [content_block_start, deltas] → assistant
// line → [content_block_stop]; the assistant line precedes its block's stop event (2.1.331).
// Stream events only with --include-partial-messages. Turn.open tracks what an interrupt salvages.

/**
 * @typedef {import('./session.cjs').Session} Session
 * @typedef {import('./turn.cjs').Turn} Turn
 * @typedef {import('./messages.cjs').Block} Block
 * @typedef {import('./messages.cjs').ApiMessage} ApiMessage
 */

/** @param {Session} s @param {Block[]} blocks @param {string} [stopReason] @returns {ApiMessage} */
function newMessage(s, blocks, stopReason) {
  const ids = s.ids;
  const chars = blocks.reduce((n, b) => n + JSON.stringify(b).length, 0);
  return {
    id: `msg_fake_${String(++ids.message).padStart(4, '0')}`,
    requestId: `req_fake_${String(++ids.request).padStart(4, '0')}`,
    blocks,
    stopReason: stopReason ?? (blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
    inputTokens: 10,
    outputTokens: Math.max(1, Math.ceil(chars / 4)),
  };
}

/**
 * Streams one model message: per block [stream events] → assistant line → [content_block_stop],
 * the order the real CLI uses (the assistant line precedes its block's stop event).
 * @param {Turn} t @param {Block[]} blocks @param {string} [stopReason] @returns {Promise<string[]>} uuids of the assistant records
 */
async function streamMessage(t, blocks, stopReason) {
  const m = newMessage(t.s, blocks, stopReason);
  const started = performance.now();
  const partial = t.s.config.partial;
  t.open = { m, index: 0, text: '', received: false, inBlock: false };
  if (partial) {
    t.stats.begunIds.push(m.id);
    await t.emit(
      t.tag(
        msg.streamEvent(
          t.s,
          m,
          msg.apiMessageStart(t.s, m),
          Math.round(started - t.stats.startedAt),
        ),
        'start',
      ),
    );
  }
  const uuids = [];
  for (const [index, block] of blocks.entries()) {
    Object.assign(t.open, { index, text: '', received: false, inBlock: true });
    const blockStarted = performance.now();
    await streamBlock(t, m, block, index);
    t.stats.firstContentAt ??= performance.now();
    const thinking = block.type === 'thinking' ? thinkingFields(blockStarted) : {};
    await t.emit(t.tag({ ...msg.assistantMessage(t.s, m, block), ...thinking }, 'assistant'));
    t.open.text = '';
    uuids.push(t.record(rec.assistantRecord(t.s, m, block, index)));
    if (partial) await t.event(m, { type: 'content_block_stop', index });
    t.open.inBlock = false;
  }
  t.open.index = blocks.length;
  if (partial) {
    await t.event(m, {
      type: 'message_delta',
      delta: { stop_reason: m.stopReason, stop_sequence: null },
      usage: { output_tokens: m.outputTokens },
    });
    await t.event(m, { type: 'message_stop' });
  }
  t.open = null;
  t.account(m, performance.now() - started);
  return uuids;
}

/**
 * The block's deltas: stream events in partial mode, plus `system/thinking_tokens` estimates
 * before each thinking delta, which 2.1.331 prints in both modes.
 * @param {Turn} t @param {ApiMessage} m @param {Block} block @param {number} index
 */
async function streamBlock(t, m, block, index) {
  const partial = t.s.config.partial;
  if (!partial) {
    if (block.type === 'thinking') await thinkingEstimates(t, blockDeltas(block));
    Object.assign(/** @type {NonNullable<Turn['open']>} */ (t.open), {
      text: block.type === 'text' ? block.text : '',
      received: true,
    });
    return;
  }
  const start =
    block.type === 'tool_use'
      ? { ...block, input: {} }
      : block.type === 'text'
        ? { type: 'text', text: '' }
        : { type: 'thinking', thinking: '', signature: '' };
  await t.event(m, { type: 'content_block_start', index, content_block: start });
  let thought = 0;
  for (const delta of blockDeltas(block)) {
    if (typeof delta.thinking === 'string')
      thought = await thinkingEstimate(t, thought, delta.thinking);
    await t.event(m, { type: 'content_block_delta', index, delta });
    // What an interrupt would salvage: the text received so far (see abort.cjs).
    if (t.open) Object.assign(t.open, { text: t.open.text + (delta.text ?? ''), received: true });
  }
}

/** @param {number} blockStarted */
function thinkingFields(blockStarted) {
  return {
    thinking_duration_ms: Math.round(performance.now() - blockStarted),
    thinking_display: 'updates',
  };
}

/** @param {Turn} t @param {Array<{ thinking?: string }>} deltas */
async function thinkingEstimates(t, deltas) {
  let thought = 0;
  for (const d of deltas)
    if (typeof d.thinking === 'string') thought = await thinkingEstimate(t, thought, d.thinking);
}

/**
 * One `system/thinking_tokens` line; the real estimate is floor(characters so far / 3).
 * @param {Turn} t @param {number} chars characters of thinking so far @param {string} piece
 * @returns {Promise<number>} the new character count
 */
async function thinkingEstimate(t, chars, piece) {
  const before = Math.floor(chars / 3);
  const after = Math.floor((chars + piece.length) / 3);
  await t.emit(msg.thinkingTokensMessage(t.s, after, after - before));
  return chars + piece.length;
}

/** @param {Block} block @returns {Array<Record<string, unknown> & { text?: string, thinking?: string }>} */
function blockDeltas(block) {
  if (block.type === 'text')
    return splitWords(block.text).map((text) => ({ type: 'text_delta', text }));
  if (block.type === 'thinking') {
    const parts = splitWords(block.thinking).map((thinking) => ({
      type: 'thinking_delta',
      thinking,
    }));
    return [...parts, { type: 'signature_delta', signature: block.signature }];
  }
  return splitEven(JSON.stringify(block.input), 3).map((partial_json) => ({
    type: 'input_json_delta',
    partial_json,
  }));
}

module.exports = { newMessage, streamMessage };
