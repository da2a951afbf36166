// @ts-check
'use strict';
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { parseDirective, resolveParams } = require('./directives.cjs');
const rec = require('./records.cjs');
const { cost, errorResult, startupErrorResult } = require('./result.cjs');
const { COMMON, scenario } = require('./scenarios.cjs');
const {
  findSession,
  loadSession,
  projectDir,
  promptText,
  TranscriptWriter,
} = require('./transcript.cjs');
const { Aborted, MaxTurns, Turn } = require('./turn.cjs');
const { isUuid, uuid } = require('./util.cjs');

/**
 * @typedef {import('./config.cjs').Config} Config
 * @typedef {{ stderr: string, result?: Record<string, unknown> }} StartupFailure
 * @typedef {{ content: unknown, uuid?: string, message?: Record<string, unknown> }} UserInput
 */

/** Process-wide state: identity, transcript, counters and totals shared by all turns. */
class Session {
  /** @param {Config} config @param {import('./output.cjs').Output} out @param {NodeJS.ProcessEnv} env */
  constructor(config, out, env) {
    this.config = config;
    this.out = out;
    this.env = env;
    this.sessionId = '';
    this.projectDir = projectDir(env, config.cwd);
    this.transcript = new TranscriptWriter(null);
    /** @type {string | null} */
    this.leafUuid = null;
    this.turnIndex = 0;
    /** User prompts in the conversation so far, including those loaded by --resume. */
    this.userMessages = 0;
    this.resultIndex = 0;
    this.totals = { inTok: 0, outTok: 0, apiMs: 0 };
    this.ids = { message: 0, tool: 0, request: 0 };
    this.lastResultIsError = false;
    this.ignoreSigterm = false;
    this.hangForever = false;
    /** @type {Turn | null} */
    this.current = null;
  }

  /** Resolves the session id (new, --session-id, --resume, --fork-session, --continue). */
  /** @returns {StartupFailure | null} */
  open() {
    const c = this.config;
    if (c.resume !== undefined) return this.openResume(c.resume);
    if (c.continue) {
      const latest = latestSession(this.projectDir);
      if (latest) return this.openResume(latest);
    }
    this.sessionId = c.sessionId ?? uuid();
    if (c.sessionId && existsSync(this.fileFor(c.sessionId))) {
      return { stderr: `Error: Session ID ${c.sessionId} is already in use.` };
    }
    this.useFile(this.fileFor(this.sessionId));
    return null;
  }

  /** @param {string | true} value @returns {StartupFailure | null} */
  openResume(value) {
    const usage =
      'Error: --resume requires a valid session ID or session title when used with --print. Usage: claude -p --resume <session-id|title>';
    if (value === true || value === '') return this.fail(usage, uuid(), usage);
    if (!isUuid(value)) {
      const text = `${usage}. Provided value "${value}" is not a UUID and does not match any session title.`;
      return this.fail(text, uuid(), text);
    }
    const file = findSession(this.env, this.config.cwd, value);
    const loaded = file ? loadSession(file) : undefined;
    if (!file || !loaded || loaded.userMessages === 0) {
      const text = `No conversation found with session ID: ${value}`;
      return this.fail(text, value, text);
    }
    this.userMessages = loaded.userMessages;
    this.leafUuid = loaded.leafUuid;
    if (!this.config.fork) {
      this.sessionId = value;
      this.useFile(file);
      return null;
    }
    this.sessionId = this.config.sessionId ?? uuid();
    this.useFile(this.fileFor(this.sessionId));
    this.transcript.writeFork(loaded.records, this.sessionId);
    return null;
  }

  /** @param {string} stderr @param {string} sessionId @param {string} error @returns {StartupFailure} */
  fail(stderr, sessionId, error) {
    return { stderr, result: startupErrorResult(sessionId, error) };
  }

  /** @param {string} id */
  fileFor(id) {
    return join(this.projectDir, `${id}.jsonl`);
  }

  /** @param {string} file */
  useFile(file) {
    this.transcript = new TranscriptWriter(this.config.persist ? file : null);
  }

  /**
   * Runs one user message to its result. The scenario comes from a `[[fake:…]]` directive in the
   * message, else FAKE_CLAUDE_SCENARIO, else `text`.
   * @param {UserInput} input
   */
  async runTurn(input) {
    const prompt = promptText(input.content);
    const directive = parseDirective(prompt);
    const name = directive?.name ?? this.env.FAKE_CLAUDE_SCENARIO ?? 'text';
    const chosen = scenario(name);
    const spec = { ...COMMON, ...(chosen?.params ?? {}) };
    const params = resolveParams(spec, directive?.args ?? {}, this.env);
    this.userMessages += 1;
    const turn = new Turn(this, input.content, prompt, params);
    turn.commandUuid = input.uuid;
    this.current = turn;
    try {
      if (input.uuid) await this.out.json(lifecycle(this, input.uuid, 'started'));
      await turn.begin(!chosen?.verbatim, this.config.replayUserMessages ? input : undefined);
      if (chosen) await chosen.run(turn, params);
      else await unknownScenario(turn, name);
    } catch (error) {
      if (error instanceof Aborted) await turn.finishAborted();
      else if (error instanceof MaxTurns) await turn.finishMaxTurns();
      else throw error;
    } finally {
      this.current = null;
    }
    if (input.uuid) await this.out.json(lifecycle(this, input.uuid, 'completed'));
  }

  /** Interrupt (control request or SIGINT): only a turn still producing output can be aborted. */
  interrupt() {
    if (this.current && !this.current.finished) this.current.abort();
    return this.current !== null;
  }

  /** Clean-exit bookkeeping (the real CLI appends cost-state), flush stdout, then exit. */
  /** @param {number} [code] */
  async close(code) {
    if (this.turnIndex > 0)
      this.transcript.append(
        rec.costStateRecord(this, cost(this.totals.inTok, this.totals.outTok)),
      );
    await this.out.flush();
    process.exit(code ?? (this.lastResultIsError ? 1 : 0));
  }
}

/**
 * `command_lifecycle` frames, printed for stdin user lines that carry a `uuid` (2.1.331:
 * queued on receipt, started before the turn's init, completed after its result).
 * @param {Session} s @param {string} commandUuid @param {'queued' | 'started' | 'completed'} state
 */
function lifecycle(s, commandUuid, state) {
  return {
    type: 'command_lifecycle',
    command_uuid: commandUuid,
    state,
    uuid: uuid(),
    session_id: s.sessionId,
  };
}

/** A typo in a directive should be loud but not kill a load test: an error result names it. */
/** @param {Turn} turn @param {string} name */
async function unknownScenario(turn, name) {
  await turn.request();
  const errors = [`fake-claude: unknown scenario "${name}"`];
  await turn.finish(
    () => errorResult(turn.s, turn.stats, 'error_during_execution', 'completed', errors),
    true,
  );
}

/** `--continue`: the most recently written session in this project. */
/** @param {string} dir */
function latestSession(dir) {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => ({ id: f.slice(0, -6), mtime: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  return files[0]?.id;
}

module.exports = { Session, lifecycle };
