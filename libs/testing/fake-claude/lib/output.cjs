// @ts-check
'use strict';
const { preciseNow, sleep } = require('./util.cjs');

/**
 * The single stdout writer. Every line goes through here so three rules hold everywhere:
 * one write per line, never more than one line queued past a full pipe (we await 'drain'),
 * and the optional latency stamp is taken after any wait, right before the write.
 */
class Output {
  /** @param {NodeJS.WritableStream & { writableLength?: number }} stream @param {{ stamp: boolean }} options */
  constructor(stream, options) {
    this.stream = stream;
    this.stamp = options.stamp;
    /** Per-line delay of the running scenario (the `slow` knob). */
    this.delayMs = 0;
    this.blocked = false;
    /** @type {Promise<void>} resolves when the last write reached the OS */
    this.lastWrite = Promise.resolve();
    // The reader went away (EPIPE): nothing left to say, and an unhandled 'error' would print a stack.
    stream.on('error', () => process.exit());
  }

  /** @param {Record<string, unknown>} message */
  async json(message) {
    await this.beforeWrite();
    let text = JSON.stringify(message);
    if (this.stamp) text = `${text.slice(0, -1)},"fake_sent_at":${preciseNow()}}`;
    this.write(`${text}\n`);
  }

  /** Writes text verbatim (noise lines, half lines); no stamp since it may not be JSON. */
  /** @param {string} text */
  async raw(text) {
    await this.beforeWrite();
    this.write(text);
  }

  async beforeWrite() {
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (this.blocked) await new Promise((resolve) => this.stream.once('drain', resolve));
    this.blocked = false;
  }

  /** @param {string} text */
  write(text) {
    this.lastWrite = new Promise((resolve) => {
      this.blocked = !this.stream.write(text, () => resolve());
    });
  }

  /** Resolves once everything written so far has been handed to the OS (safe to exit). */
  flush() {
    return this.lastWrite;
  }
}

/** `--output-format json|text`: only the result is printed (as JSON, or its text). */
class ResultOnlyOutput extends Output {
  /** @param {NodeJS.WritableStream} stream @param {string} format */
  constructor(stream, format) {
    super(stream, { stamp: false });
    this.format = format;
  }

  /** @param {Record<string, unknown>} message */
  async json(message) {
    if (message.type !== 'result') return;
    if (this.format === 'json') return super.json(message);
    const errors = Array.isArray(message.errors) ? message.errors.join('\n') : '';
    await super.raw(`${typeof message.result === 'string' ? message.result : errors}\n`);
  }

  /** Noise and torn lines belong to the stream-json protocol only. */
  /** @param {string} _text */
  async raw(_text) {}
}

module.exports = { Output, ResultOnlyOutput };
