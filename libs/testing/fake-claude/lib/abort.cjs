// @ts-check
'use strict';
const msg = require('./messages.cjs');
const rec = require('./records.cjs');

/**
 * What 2.1.331 prints after an interrupt, before the aborted result (recorded against the stub):
 *   [assistant with the text received so far, `aborted: true`]   (only if some text arrived)
 *   user "[Request interrupted by user]"
 *   [content_block_stop] message_delta(null stop) message_stop + abandoned_blocks   (partial mode,
 *                                                                  only if a message had started)
 * @param {import('./turn.cjs').Turn} t
 */
async function emitAbortLines(t) {
  const s = t.s;
  const open = t.open;
  t.stats.stopReason = null;
  t.stats.numTurns += 1; // the CLI counts the interrupted round trip once more
  if (open && open.text) {
    await t.emit({
      ...msg.assistantMessage(s, open.m, { type: 'text', text: open.text }),
      aborted: true,
    });
    t.record(rec.assistantRecord(s, open.m, { type: 'text', text: open.text }, open.index));
  }
  await t.emit(msg.interruptedMessage(s));
  t.record(rec.interruptedRecord(s, t.promptId));
  if (!open) return;
  // The partial message still costs its input and the one output token of message_start.
  t.stats.inTok += open.m.inputTokens;
  t.stats.outTok += 1;
  if (!s.config.partial) return;
  if (open.inBlock) await t.event(open.m, { type: 'content_block_stop', index: open.index });
  await t.event(open.m, abortedMessageDelta(open.m));
  const abandoned = {
    api_message_id: open.m.id,
    from_block_index: open.index + (open.received ? 1 : 0),
  };
  await t.emit({
    ...msg.streamEvent(s, open.m, { type: 'message_stop' }, undefined),
    abandoned_blocks: abandoned,
  });
  t.open = null;
}

/** The CLI's own closing delta for an abandoned message (a different shape from the API's). */
/** @param {import('./messages.cjs').ApiMessage} m */
function abortedMessageDelta(m) {
  return {
    type: 'message_delta',
    context_management: null,
    delta: { container: null, stop_details: null, stop_reason: null, stop_sequence: null },
    usage: {
      output_tokens_details: { thinking_tokens: 0 },
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      input_tokens: m.inputTokens,
      iterations: [],
      output_tokens: 1,
      server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
      fallback_credit: null,
    },
  };
}

module.exports = { emitAbortLines };
