#!/usr/bin/env node
// @ts-check
'use strict';
// A lightweight stand-in for the `claude` CLI (Claude Code 2.1.331) in headless stream-json mode,
// for load tests that need hundreds of processes. See README.md for scenarios and knobs.
const { writeSync } = require('node:fs');
const { isatty } = require('node:tty');
const { buildConfig, UsageError } = require('./lib/config.cjs');
const { runSinglePrompt, runStreamInput } = require('./lib/input.cjs');
const { Output, ResultOnlyOutput } = require('./lib/output.cjs');
const { SCENARIOS } = require('./lib/scenarios.cjs');
const { Session } = require('./lib/session.cjs');
const { VERSION } = require('./lib/init-data.cjs');

/** @param {number} fd @param {string} text */
const say = (fd, text) => writeSync(fd, `${text}\n`);

function main() {
  const config = parseOrExit();
  if (config.version) return exit(1, `${VERSION} (Claude Code)`, 0);
  if (config.help)
    return exit(
      1,
      'Usage: claude [options] [prompt]  (fake-claude: see libs/testing/fake-claude/README.md)',
      0,
    );
  const name = process.env.FAKE_CLAUDE_SCENARIO;
  if (name && !Object.hasOwn(SCENARIOS, name)) {
    return exit(
      2,
      `fake-claude: unknown FAKE_CLAUDE_SCENARIO "${name}" (known: ${Object.keys(SCENARIOS).join(', ')})`,
      2,
    );
  }
  if (!config.print)
    return exit(2, 'fake-claude: interactive mode is not simulated; pass -p or pipe stdin', 2);
  const stamp = process.env.FAKE_CLAUDE_STAMP === '1';
  const out =
    config.outputFormat === 'stream-json'
      ? new Output(process.stdout, { stamp })
      : new ResultOnlyOutput(process.stdout, config.outputFormat);
  const session = new Session(config, out, process.env);
  const failure = session.open();
  if (failure) {
    say(2, failure.stderr);
    if (failure.result) void out.json(failure.result).then(() => session.close(1));
    else process.exit(1);
    return;
  }
  installSignals(session);
  if (config.inputFormat === 'stream-json') runStreamInput(session);
  else void runSinglePrompt(session);
}

function parseOrExit() {
  try {
    return buildConfig(process.argv.slice(2), {
      stdinIsTTY: isatty(0),
      cwd: process.cwd(),
      env: process.env,
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(2, error.message);
    return process.exit(1);
  }
}

/** @param {number} fd @param {string} text @param {number} code */
function exit(fd, text, code) {
  say(fd, text);
  process.exit(code);
}

/**
 * SIGINT mid-turn behaves like an interrupt and then exits 0 after the aborted result (observed on
 * 2.1.331); idle it exits 130. SIGTERM exits 143 without a result unless FAKE_CLAUDE_SIGTERM_RESULT=1.
 * @param {Session} session
 */
function installSignals(session) {
  process.on('SIGINT', () => {
    if (!session.interrupt()) process.exit(130);
    void waitForTurn(session).then(() => session.close(0));
  });
  process.on('SIGTERM', () => {
    if (session.ignoreSigterm) return;
    if (process.env.FAKE_CLAUDE_SIGTERM_RESULT !== '1' || !session.interrupt()) process.exit(143);
    void waitForTurn(session).then(() => session.close(143));
  });
}

/** @param {Session} session */
async function waitForTurn(session) {
  while (session.current) await new Promise((resolve) => setTimeout(resolve, 5));
}

main();
