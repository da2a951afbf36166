// @ts-check
'use strict';
const { emitAbortLines } = require('./abort.cjs');
const msg = require('./messages.cjs');
const rec = require('./records.cjs');
const res = require('./result.cjs');
const { newMessage, streamMessage } = require('./model-message.cjs');
const { sleep, uuid } = require('./util.cjs');

/**
 * @typedef {import('./session.cjs').Session} Session
 * @typedef {import('./messages.cjs').Block} Block
 * @typedef {import('./messages.cjs').ApiMessage} ApiMessage
 * @typedef {Record<string, string>} Params
 */

/** Thrown out of any emit once the turn was interrupted; the session turns it into the abort result. */
class Aborted extends Error {}
/** Thrown by request() when --max-turns would be exceeded. */
class MaxTurns extends Error {}

/**
 * One user turn: the API scenarios drive (request → message → tool result → … → finish).
 * It owns the turn's accounting and keeps transcript records in step with stdout lines.
 */
class Turn {
  /** @param {Session} session @param {unknown} content @param {string} prompt @param {Params} params */
  constructor(session, content, prompt, params) {
    this.s = session;
    /**
     * The stdin line's `uuid`, if it had one: 2.1.331 then tags the turn's init, status lines,
     * first message_start, first assistant line and the success result with it.
     * @type {string | undefined}
     */
    this.commandUuid = undefined;
    this.tagged = { start: false, assistant: false };
    this.content = content;
    this.prompt = prompt;
    this.params = params;
    this.promptId = uuid();
    this.delayMs = Number(params.delay_ms) || 0;
    /** @type {number | undefined} */
    this.maxTurns = session.config.maxTurns;
    this.aborted = false;
    /** @type {() => void} */
    this.wake = () => undefined;
    this.abortSignal = new Promise((resolve) => (this.wake = () => resolve(undefined)));
    /** @type {import('./result.cjs').TurnStats} */
    this.stats = {
      startedAt: performance.now(),
      requestAt: undefined,
      firstContentAt: undefined,
      apiMs: 0,
      numTurns: 0,
      inTok: 0,
      outTok: 0,
      begunIds: [],
      stopReason: null,
      text: '',
    };
    this.finished = false;
    this.typeLast = false;
    /**
     * The model message being streamed, for interrupts: which block is open and what text of it
     * was already received.
     * @type {{ m: ApiMessage, index: number, text: string, received: boolean, inBlock: boolean } | null}
     */
    this.open = null;
  }

  /**
   * The default answer names the turn and how many user messages came before it in the session
   * (including ones loaded by --resume), so a test can tell that history was really loaded.
   * @param {Params} p
   */
  replyText(p) {
    if (p.text) return p.text;
    return `Fake reply ${this.s.turnIndex}. Earlier user messages: ${this.s.userMessages - 1}.`;
  }

  /**
   * Adds the user-message uuid fields where 2.1.331 puts them (see `commandUuid`).
   * @template {Record<string, unknown>} T
   * @param {T} line @param {'all' | 'start' | 'assistant'} kind @returns {T}
   */
  tag(line, kind) {
    const id = this.commandUuid;
    if (!id) return line;
    if (kind === 'all') return { ...line, user_message_uuids: [id] };
    if (this.tagged[kind]) return line;
    this.tagged[kind] = true;
    const extra = kind === 'start' ? { owed_rows: [] } : {};
    return { ...line, user_message_uuid: id, user_message_uuids: [id], ...extra };
  }

  abort() {
    this.aborted = true;
    this.wake();
  }

  /** Interruptible sleep: an interrupt must not wait out a long `slow`/`hang` delay. */
  /** @param {number} ms */
  async sleep(ms) {
    await Promise.race([sleep(ms), this.abortSignal]);
    if (this.aborted) throw new Aborted();
  }

  /** @param {Record<string, unknown>} line */
  async emit(line) {
    if (this.aborted) throw new Aborted();
    if (this.delayMs > 0) await this.sleep(this.delayMs);
    await this.s.out.json(line);
  }

  /** Non-JSON or torn output (noise, half lines): same abort and delay rules, no stamp. */
  /** @param {string} text */
  async emitRaw(text) {
    if (this.aborted) throw new Aborted();
    if (this.delayMs > 0) await this.sleep(this.delayMs);
    await this.s.out.raw(text);
  }

  /**
   * Opening lines: init (every turn in shape B), the --replay-user-messages echo, and the prompt's
   * transcript records.
   * @param {boolean} withInit @param {import('./session.cjs').UserInput} [replay]
   */
  async begin(withInit, replay) {
    const s = this.s;
    s.turnIndex += 1;
    s.transcript.append(rec.enqueueRecord(s, this.content));
    s.transcript.append(rec.dequeueRecord(s));
    const prompt = rec.promptRecord(s, this.content, this.promptId);
    s.transcript.append(prompt);
    s.leafUuid = prompt.uuid;
    const pad = Number(s.env.FAKE_CLAUDE_TRANSCRIPT_PAD_BYTES) || 0;
    if (pad > 0) this.record(rec.paddingRecord(s, pad));
    if (withInit) await this.emit(this.tag(msg.initMessage(s), 'all'));
    if (replay) await this.emit(msg.replayMessage(s, replay.message ?? {}, replay.uuid ?? uuid()));
  }

  /** One API round trip starts: status line (partial mode only, as on 2.1.331) and the turn budget. */
  async request() {
    const s = this.s;
    this.stats.numTurns += 1;
    const max = this.maxTurns;
    if (max !== undefined && max > 0 && this.stats.numTurns > max) throw new MaxTurns();
    if (s.config.partial) await this.emit(this.tag(msg.statusMessage(s), 'all'));
    this.stats.requestAt ??= performance.now();
    const latency = Number(this.params.latency_ms) || 0;
    if (latency > 0) await this.sleep(latency);
  }

  /** @param {Block[]} blocks @param {string} [stopReason] */
  newMessage(blocks, stopReason) {
    return newMessage(this.s, blocks, stopReason);
  }

  /**
   * One model message, streamed the way the real CLI prints it (see model-message.cjs).
   * @param {Block[]} blocks @param {string} [stopReason] @returns {Promise<string[]>} assistant record uuids
   */
  message(blocks, stopReason) {
    return streamMessage(this, blocks, stopReason);
  }

  /**
   * @param {string} name @param {Record<string, unknown>} input
   * @returns {{ type: 'tool_use', id: string, name: string, input: Record<string, unknown> }}
   */
  toolUse(name, input) {
    return {
      type: 'tool_use',
      id: `toolu_fake_${String(++this.s.ids.tool).padStart(4, '0')}`,
      name,
      input,
    };
  }

  /** @param {ApiMessage} m @param {Record<string, unknown>} event */
  event(m, event) {
    return this.emit(msg.streamEvent(this.s, m, event, undefined));
  }

  /** @param {ApiMessage} m @param {number} ms */
  account(m, ms) {
    this.stats.inTok += m.inputTokens;
    this.stats.outTok += m.outputTokens;
    this.stats.apiMs += ms;
    this.stats.stopReason = m.stopReason;
    const text = m.blocks
      .filter((b) => b.type === 'text')
      .map((b) => /** @type {{ text: string }} */ (b).text);
    if (text.length > 0) this.stats.text = text.join('');
  }

  /** @param {Record<string, any>} record @returns {string} */
  record(record) {
    this.s.transcript.append(record);
    this.s.leafUuid = record.uuid;
    return record.uuid;
  }

  /** How the real CLI labels the approval: an --allowedTools rule, or the read-only auto-approval. */
  /** @param {string} tool */
  toolReason(tool) {
    return this.s.config.allowedTools.some((t) => t === tool || t.startsWith(`${tool}(`))
      ? 'rule'
      : 'subcommandResults';
  }

  /**
   * @param {{ id: string, name: string }} toolUse @param {string} output @param {string} assistantUuid
   * @param {string} [stdout] defaults to `output`; long_line splits its padding between the two
   */
  async toolResult(toolUse, output, assistantUuid, stdout = output) {
    const reason = this.toolReason(toolUse.name);
    await this.emit(msg.toolResultMessage(this.s, toolUse, output, reason, stdout));
    this.record(
      rec.toolResultRecord(this.s, this.promptId, toolUse, output, assistantUuid, reason),
    );
  }

  /** @param {string} [text] */
  async finishSuccess(text) {
    if (text !== undefined) this.stats.text = text;
    await this.finish(() => res.successResult(this.s, this.stats, this.commandUuid), false);
  }

  /** @param {{ status: number, type: string, text: string, error: string }} e */
  async finishApiError(e) {
    this.stats.numTurns = Math.max(1, this.stats.numTurns);
    const requestId = e.status
      ? `req_fake_${String(++this.s.ids.request).padStart(4, '0')}`
      : undefined;
    await this.emit(msg.apiErrorMessage(this.s, e, requestId));
    await this.finish(() => res.apiErrorResult(this.s, this.stats, e), true);
  }

  async finishMaxTurns() {
    const errors = [`Reached maximum number of turns (${this.maxTurns})`];
    await this.finish(
      () => res.errorResult(this.s, this.stats, 'error_max_turns', 'max_turns', errors),
      true,
    );
  }

  /** After an interrupt: salvage lines, then the aborted result (see abort.cjs). */
  async finishAborted() {
    this.aborted = false;
    this.delayMs = 0;
    await emitAbortLines(this);
    const errors = ['[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=null'];
    await this.finish(
      () =>
        res.errorResult(this.s, this.stats, 'error_during_execution', 'aborted_streaming', errors),
      true,
    );
  }

  /** @param {() => Record<string, unknown>} build @param {boolean} isError */
  async finish(build, isError) {
    const s = this.s;
    s.totals.inTok += this.stats.inTok;
    s.totals.outTok += this.stats.outTok;
    s.totals.apiMs += this.stats.apiMs;
    s.lastResultIsError = isError;
    this.finished = true;
    s.transcript.append(rec.lastPromptRecord(s, this.prompt));
    const result = build();
    if (this.typeLast) {
      // `malformed` moves `type` to the very end: readers must not assume it comes first.
      const { type, ...rest } = result;
      await this.emit({ ...rest, type });
    } else await this.emit(result);
  }
}

module.exports = { Turn, Aborted, MaxTurns };
