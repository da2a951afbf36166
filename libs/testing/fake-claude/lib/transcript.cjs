// @ts-check
'use strict';
const {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');

// Session files per notes §3: ${CLAUDE_CONFIG_DIR:-~/.claude}/projects/<slug(realpath(cwd))>/<id>.jsonl.

const MAX_SLUG = 200;

/** @param {NodeJS.ProcessEnv} env */
function configDir(env) {
  return env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), '.claude');
}

/** The SDKs' 32-bit base36 string hash (the native CLI uses Bun.hash, which we cannot reproduce). */
/** @param {string} text */
function shortHash(text) {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = ((h << 5) - h + text.charCodeAt(i)) | 0;
  return Math.abs(h).toString(36);
}

/** @param {string} cwd */
function projectSlug(cwd) {
  let real = cwd;
  try {
    real = realpathSync(cwd);
  } catch {
    // a vanished cwd still gets a slug; the real CLI would have failed earlier anyway
  }
  const slug = real.normalize('NFC').replace(/[^A-Za-z0-9]/g, '-');
  return slug.length <= MAX_SLUG ? slug : `${slug.slice(0, MAX_SLUG)}-${shortHash(real)}`;
}

/** @param {NodeJS.ProcessEnv} env @param {string} cwd */
function projectDir(env, cwd) {
  const pinned = env.CLAUDE_CONFIG_DIR ? env.CLAUDE_CODE_PROJECT_DIR_NAME : undefined;
  return join(configDir(env), 'projects', pinned || projectSlug(cwd));
}

/**
 * Where `--resume <id>` finds its file: the cwd's project first, else the one other project that
 * holds the id (the real CLI searches all projects since 2.1.223 when exactly one matches).
 * @param {NodeJS.ProcessEnv} env @param {string} cwd @param {string} sessionId
 */
function findSession(env, cwd, sessionId) {
  const own = join(projectDir(env, cwd), `${sessionId}.jsonl`);
  if (existsSync(own)) return own;
  const projects = join(configDir(env), 'projects');
  if (!existsSync(projects)) return undefined;
  const hits = readdirSync(projects)
    .map((dir) => join(projects, dir, `${sessionId}.jsonl`))
    .filter((file) => existsSync(file));
  return hits.length === 1 ? hits[0] : undefined;
}

/**
 * @typedef {Record<string, any>} TranscriptRecord
 * @typedef {{ records: TranscriptRecord[], userMessages: number, leafUuid: string | null, lastPrompt: string | undefined }} LoadedSession
 */

/** A user record typed by a person (or SDK), as opposed to tool results and synthetic lines. */
/** @param {TranscriptRecord} r */
function isPrompt(r) {
  if (r.type !== 'user' || r.isMeta || r.isCompactSummary || !r.message) return false;
  const content = r.message.content;
  if (typeof content === 'string') return true;
  return Array.isArray(content) && content.some((b) => b && b.type === 'text');
}

/** Reads a transcript, skipping a torn last line the way the real loader tolerates crashes. */
/** @param {string} file @returns {LoadedSession} */
function loadSession(file) {
  /** @type {TranscriptRecord[]} */
  const records = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      // torn line (crash mid-write): ignored
    }
  }
  const chained = records.filter((r) => typeof r.uuid === 'string');
  const prompts = records.filter(isPrompt);
  const last = prompts[prompts.length - 1];
  return {
    records,
    userMessages: prompts.length,
    leafUuid: chained.length > 0 ? chained[chained.length - 1].uuid : null,
    lastPrompt: last ? promptText(last.message.content) : undefined,
  };
}

/** @param {unknown} content */
function promptText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b) => b && b.type === 'text')
    .map((b) => b.text)
    .join('\n');
}

/** Append-only writer; disabled by --no-session-persistence. Sync appends keep crash semantics simple. */
class TranscriptWriter {
  /** @param {string | null} file */
  constructor(file) {
    this.file = file;
    this.ready = false;
  }

  /** @param {TranscriptRecord} record */
  append(record) {
    if (!this.file) return;
    this.ensureDir();
    appendFileSync(this.file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }

  /** Writes raw text (used to leave a torn line behind when simulating a crash). */
  /** @param {string} text */
  appendRaw(text) {
    if (!this.file) return;
    this.ensureDir();
    appendFileSync(this.file, text, { mode: 0o600 });
  }

  /** Forking clones history into the new file with every `sessionId` rewritten; the parent stays untouched. */
  /** @param {TranscriptRecord[]} records @param {string} sessionId */
  writeFork(records, sessionId) {
    if (!this.file) return;
    this.ensureDir();
    const text = records
      .map((r) => JSON.stringify('sessionId' in r ? { ...r, sessionId } : r))
      .join('\n');
    writeFileSync(this.file, records.length > 0 ? `${text}\n` : '', { mode: 0o600 });
  }

  ensureDir() {
    if (this.ready || !this.file) return;
    mkdirSync(join(this.file, '..'), { recursive: true });
    this.ready = true;
  }
}

module.exports = {
  configDir,
  projectSlug,
  projectDir,
  findSession,
  loadSession,
  promptText,
  TranscriptWriter,
};
