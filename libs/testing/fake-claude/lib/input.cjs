// @ts-check
'use strict';
const { fstatSync, writeSync } = require('node:fs');
const { handleControl } = require('./control.cjs');
const { lifecycle } = require('./session.cjs');
const { keepAlive } = require('./util.cjs');

/** @typedef {import('./session.cjs').Session} Session */

/** Fatal input errors: flush what was already said, then stderr + exit 1 like the real CLI. */
/** @param {Session} s @param {string} message */
async function fatal(s, message) {
  await s.out.flush();
  writeSync(2, `${message}\n`);
  process.exit(1);
}

/**
 * Shape B: NDJSON user messages and control requests on stdin, one turn per user message, queued
 * while a turn runs; control requests are answered at once. Exits after the last result once
 * stdin ends (1 when that result was an error, as 2.1.331 does).
 * @param {Session} s
 */
function runStreamInput(s) {
  /** @type {import('./session.cjs').UserInput[]} */
  const queue = [];
  let running = false;
  let ended = false;
  let buffer = '';

  const pump = async () => {
    if (running || s.hangForever) return;
    if (queue.length === 0) {
      if (ended) await s.close();
      return;
    }
    running = true;
    await s.runTurn(/** @type {import('./session.cjs').UserInput} */ (queue.shift()));
    running = false;
    if (s.hangForever) await keepAlive();
    await pump();
  };

  /** @param {string} line */
  const onLine = async (line) => {
    if (line.trim() === '') return;
    /** @type {Record<string, any>} */
    let parsed;
    try {
      parsed = JSON.parse(line);
    } catch {
      return fatal(
        s,
        `Error parsing streaming input line (type=unknown, ${line.length} chars): SyntaxError`,
      );
    }
    if (parsed?.type === 'control_request') return handleControl(s, parsed);
    if (parsed?.type !== 'user') return; // keep_alive, control_response, future types: ignored
    const role = parsed.message?.role;
    if (role !== 'user') return fatal(s, `Error: Expected message role 'user', got '${role}'`);
    const id = typeof parsed.uuid === 'string' ? parsed.uuid : undefined;
    if (id) await s.out.json(lifecycle(s, id, 'queued'));
    queue.push({ content: parsed.message.content, uuid: id, message: parsed.message });
    await pump();
  };

  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (/** @type {string} */ chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      void onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  });
  process.stdin.on('end', () => {
    if (buffer.length > 0) void onLine(buffer);
    ended = true;
    void pump();
  });
}

/**
 * Shape A: one prompt (argument and/or text stdin), one turn, exit 1 if the result is an error.
 * An open stdin pipe next to a prompt argument is waited on for FAKE_CLAUDE_STDIN_WAIT ms
 * (default 3000), printing the real CLI's warning when nothing arrives.
 * @param {Session} s
 */
async function runSinglePrompt(s) {
  const piped = await readStdinText(
    s.config.prompt !== undefined,
    Number(s.env.FAKE_CLAUDE_STDIN_WAIT ?? 3000),
  );
  const parts = [piped, s.config.prompt].filter((p) => p !== undefined && p.trim() !== '');
  if (parts.length === 0) {
    return fatal(
      s,
      'Error: Input must be provided either through stdin or as a prompt argument when using --print',
    );
  }
  await s.runTurn({ content: parts.join('\n\n') });
  if (s.hangForever) await keepAlive();
  await s.close();
}

/** @param {boolean} haveArgument @param {number} waitMs @returns {Promise<string | undefined>} */
function readStdinText(haveArgument, waitMs) {
  let stat;
  try {
    stat = fstatSync(0);
  } catch {
    return Promise.resolve(undefined);
  }
  if (!stat.isFIFO() && !stat.isFile() && !stat.isSocket()) return Promise.resolve(undefined); // TTY or /dev/null
  return new Promise((resolve) => {
    let text = '';
    const timer = haveArgument && !stat.isFile() ? setTimeout(() => giveUp(), waitMs) : undefined;
    const giveUp = () => {
      writeSync(
        2,
        'Warning: no stdin data received in 3s, proceeding without it. If piping from a slow command, redirect stdin explicitly: < /dev/null to skip, or wait longer.\n',
      );
      process.stdin.pause();
      resolve(undefined);
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (/** @type {string} */ chunk) => {
      if (timer) clearTimeout(timer);
      text += chunk;
    });
    process.stdin.on('end', () => {
      if (timer) clearTimeout(timer);
      resolve(text);
    });
  });
}

module.exports = { runStreamInput, runSinglePrompt };
