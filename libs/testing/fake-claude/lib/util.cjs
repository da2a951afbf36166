// @ts-check
'use strict';

/** @param {number} ms */
function sleep(ms) {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** Epoch milliseconds with sub-millisecond precision (Date.now() has only whole ms). */
function preciseNow() {
  return performance.timeOrigin + performance.now();
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** @param {string} value */
function isUuid(value) {
  return UUID_RE.test(value);
}

/** Words with their trailing whitespace, so the pieces join back to the exact text (as the stub streams). */
/** @param {string} text */
function splitWords(text) {
  const parts = text.match(/\s*\S+\s*/g);
  return parts && parts.length > 0 ? parts : [text];
}

/** @param {string} text @param {number} pieces */
function splitEven(text, pieces) {
  if (text.length <= pieces) return [text];
  const size = Math.ceil(text.length / pieces);
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * RFC 4122 v4 ids from Math.random: loading node:crypto costs ~5 ms per process start, and these
 * ids only need to be unique, not unpredictable.
 */
function uuid() {
  const hex = [];
  for (let i = 0; i < 32; i++) hex.push(((Math.random() * 16) | 0).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Keeps a process alive while it deliberately does nothing (a pending promise alone does not). */
function keepAlive() {
  setInterval(() => undefined, 1 << 30);
  return new Promise(() => undefined);
}

module.exports = { sleep, preciseNow, isUuid, splitWords, splitEven, keepAlive, uuid };
