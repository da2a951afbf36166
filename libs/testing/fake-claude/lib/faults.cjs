// @ts-check
'use strict';
const { writeSync } = require('node:fs');
const msg = require('./messages.cjs');
const rec = require('./records.cjs');
const { keepAlive } = require('./util.cjs');

// Scenarios that misbehave on purpose: the failure modes of notes §4 (long lines, noise, torn
// output, hangs, floods). Each keeps the real message shapes up to the point where it breaks.

/**
 * @typedef {import('./turn.cjs').Turn} Turn
 * @typedef {Record<string, string>} Params
 * @typedef {import('./messages.cjs').ApiMessage} ApiMessage
 */

/**
 * A tool result whose stdout line is exactly `bytes` long (without `\n` and without the optional
 * `fake_sent_at` stamp), so readers can be tested at 65535/65536/65537 or 1 MiB+1 precisely.
 * @param {Turn} t @param {Params} p
 */
async function longLine(t, p) {
  const target = Math.max(0, Number(p.bytes) || 0);
  await t.request();
  const call = t.toolUse('Bash', { command: 'cat big.log', description: 'Print a large file' });
  const uuids = await t.message([call]);
  // uuid and timestamp have fixed widths, so an empty result line has a predictable size.
  const empty = JSON.stringify(
    msg.toolResultMessage(t.s, call, '', t.toolReason(call.name)),
  ).length;
  const pad = Math.max(0, target - empty);
  const content = 'x'.repeat(Math.ceil(pad / 2));
  await t.toolResult(call, content, uuids[0], content.slice(0, Math.floor(pad / 2)));
  await t.request();
  await t.message([{ type: 'text', text: t.replyText(p) }]);
  await t.finishSuccess();
}

/** Noise a robust reader must survive, then a normal answer whose result has `type` last. */
/** @param {Turn} t @param {Params} p */
async function malformed(t, p) {
  const id = t.s.sessionId;
  await t.request();
  await t.emitRaw('[SandboxDebug] fake-claude: a non-JSON line on stdout\n');
  await t.emitRaw('\n');
  await t.emitRaw(
    `${JSON.stringify({ type: 'future_event', note: 'CRLF-terminated', session_id: id })}\r\n`,
  );
  await t.emitRaw('{"type":"assistant","message":{"id":"msg_torn","content":[\n');
  await t.emitRaw(
    `${JSON.stringify({ type: 'future_event', note: 'unknown types must be ignored', session_id: id })}\n`,
  );
  await t.message([{ type: 'text', text: t.replyText(p) }]);
  t.typeLast = true;
  await t.finishSuccess();
}

/** Starts streaming, writes half a line without `\n`, then dies (exit code or SIGKILL). */
/** @param {Turn} t @param {Params} p */
async function crash(t, p) {
  await t.request();
  const m = t.newMessage([{ type: 'text', text: t.replyText(p) }]);
  if (t.s.config.partial) await startStreaming(t, m);
  const line = JSON.stringify(msg.assistantMessage(t.s, m, m.blocks[0]));
  await t.emitRaw(line.slice(0, Math.floor(line.length / 2)));
  // The real CLI appends records as it goes, so a crash can leave a torn last transcript line.
  const record = JSON.stringify(rec.assistantRecord(t.s, m, m.blocks[0], 0));
  t.s.transcript.appendRaw(record.slice(0, Math.floor(record.length / 2)));
  await t.s.out.flush();
  if (p.mode === 'kill') process.kill(process.pid, 'SIGKILL');
  writeSync(2, 'Error: fake-claude simulated crash\n');
  process.exit(Number(p.exit_code) || 1);
}

/** @param {Turn} t @param {ApiMessage} m */
async function startStreaming(t, m) {
  await t.emit(msg.streamEvent(t.s, m, msg.apiMessageStart(t.s, m), 1));
  await t.event(m, {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  });
  await t.event(m, {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text: 'Partial ' },
  });
}

/**
 * Output stops mid-turn and no result ever comes (claude-code#39700). Interrupts are still
 * acknowledged on the control channel but do not unstick the turn; only a signal ends it.
 * @param {Turn} t @param {Params} p
 */
async function hang(t, p) {
  if (p.ignore_sigterm === '1') t.s.ignoreSigterm = true;
  await t.request();
  const m = t.newMessage([{ type: 'text', text: 'never finished' }]);
  if (t.s.config.partial) await startStreaming(t, m);
  await keepAlive();
}

/** A complete turn, then the process never exits, not even on stdin EOF (claude-code#25629). */
/** @param {Turn} t @param {Params} p */
async function hangAfterResult(t, p) {
  if (p.ignore_sigterm === '1') t.s.ignoreSigterm = true;
  await t.request();
  await t.message([{ type: 'text', text: t.replyText(p) }]);
  await t.finishSuccess();
  t.s.hangForever = true;
}

/**
 * `bytes` of text in `chunk`-sized pieces, as fast as the reader drains them: text_delta events with
 * --include-partial-messages, otherwise one assistant line per chunk (one block per line, shared
 * message id). Every write awaits 'drain', so the simulator's own buffer stays at one line.
 * @param {Turn} t @param {Params} p
 */
async function flood(t, p) {
  const total = Math.max(0, Number(p.bytes) || 0);
  const piece = 'lorem ipsum '
    .repeat(Math.ceil((Number(p.chunk) || 4096) / 12))
    .slice(0, Number(p.chunk) || 4096);
  const summary = `[fake flood: ${total} bytes streamed]`;
  await t.request();
  const m = t.newMessage([{ type: 'text', text: summary }]);
  const started = performance.now();
  if (t.s.config.partial) await floodPartial(t, m, piece, total);
  else {
    for (let sent = 0; sent < total; sent += piece.length) {
      await t.emit(msg.assistantMessage(t.s, m, { type: 'text', text: piece }));
    }
  }
  t.record(rec.assistantRecord(t.s, m, m.blocks[0], 0));
  t.account(m, performance.now() - started);
  await t.finishSuccess(summary);
}

/** @param {Turn} t @param {ApiMessage} m @param {string} piece @param {number} total */
async function floodPartial(t, m, piece, total) {
  t.stats.begunIds.push(m.id);
  await t.emit(msg.streamEvent(t.s, m, msg.apiMessageStart(t.s, m), 1));
  await t.event(m, {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  });
  for (let sent = 0; sent < total; sent += piece.length) {
    await t.event(m, {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: piece },
    });
  }
  await t.emit(msg.assistantMessage(t.s, m, m.blocks[0]));
  await t.event(m, { type: 'content_block_stop', index: 0 });
  await t.event(m, {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: m.outputTokens },
  });
  await t.event(m, { type: 'message_stop' });
}

/** @type {Record<string, [string, string]>} */
const SIGTERM = { ignore_sigterm: ['FAKE_CLAUDE_IGNORE_SIGTERM', '0'] };

/** @type {Record<string, import('./scenarios.cjs').Scenario>} */
const SCENARIOS = {
  long_line: {
    params: { bytes: ['FAKE_CLAUDE_LINE_BYTES', String(1024 * 1024 + 1)] },
    run: longLine,
  },
  malformed: { params: {}, run: malformed },
  crash: {
    params: {
      mode: ['FAKE_CLAUDE_CRASH_MODE', 'exit'],
      exit_code: ['FAKE_CLAUDE_CRASH_EXIT_CODE', '1'],
    },
    run: crash,
  },
  hang: { params: SIGTERM, run: hang },
  hang_after_result: { params: SIGTERM, run: hangAfterResult },
  flood: {
    params: {
      bytes: ['FAKE_CLAUDE_FLOOD_BYTES', String(10 * 1024 * 1024)],
      chunk: ['FAKE_CLAUDE_FLOOD_CHUNK', '4096'],
    },
    run: flood,
  },
};

module.exports = { SCENARIOS };
