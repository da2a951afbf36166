// @ts-check
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { parseArgs, toolList, UsageError } = require('./cli-args.cjs');
const { isUuid } = require('./util.cjs');

/**
 * @typedef {{
 *   print: boolean, inputFormat: string, outputFormat: string, verbose: boolean, partial: boolean,
 *   model: string, resume: string | true | undefined, fork: boolean, sessionId: string | undefined,
 *   permissionMode: string, allowedTools: string[], disallowedTools: string[], tools: string[] | null,
 *   maxTurns: number | undefined, persist: boolean, mcpServers: string[], prompt: string | undefined,
 *   replayUserMessages: boolean, continue: boolean, version: boolean, help: boolean, cwd: string,
 * }} Config
 */

const DEFAULT_MODEL = 'claude-opus-5-5';
/** Only aliases whose 2.1.331 resolution was observed; anything else is echoed back verbatim. */
const MODEL_ALIASES = { opus: DEFAULT_MODEL, default: DEFAULT_MODEL };
const SETTING_SOURCES = ['user', 'project', 'local'];

/** @param {string} message */
const fail = (message) => {
  throw new UsageError(message);
};

/**
 * argv → Config, raising the real CLI's exact messages in the real CLI's order (probed on 2.1.331:
 * the fork check precedes the UUID check, which precedes the format checks).
 * @param {string[]} argv @param {{ stdinIsTTY: boolean, cwd: string, env: NodeJS.ProcessEnv }} host
 * @returns {Config}
 */
function buildConfig(argv, host) {
  const { options: o, operands } = parseArgs(argv);
  const str = (/** @type {string} */ key) =>
    typeof o[key] === 'string' ? /** @type {string} */ (o[key]) : undefined;
  const print = o.print === true || !host.stdinIsTTY;
  const inputFormat = str('inputFormat') ?? 'text';
  const outputFormat = str('outputFormat') ?? 'text';
  const resume = /** @type {string | true | undefined} */ (o.resume);
  const sessionId = str('sessionId');
  if (o.version || o.help)
    return /** @type {Config} */ ({ version: o.version === true, help: o.help === true });
  if (sessionId !== undefined && (resume !== undefined || o.continue) && !o.forkSession) {
    fail('Error: --session-id with --continue or --resume also needs --fork-session.');
  }
  if (sessionId !== undefined && !isUuid(sessionId))
    fail('Error: Invalid session ID. Must be a valid UUID.');
  if (inputFormat === 'stream-json' && outputFormat !== 'stream-json') {
    fail('Error: --input-format=stream-json requires output-format=stream-json.');
  }
  if (print && outputFormat === 'stream-json' && !o.verbose) {
    fail('Error: When using --print, --output-format=stream-json requires --verbose');
  }
  if (o.includePartialMessages && !(print && outputFormat === 'stream-json')) {
    fail('Error: --include-partial-messages requires --print and --output-format=stream-json.');
  }
  checkSettingSources(str('settingSources'));
  checkSettings(str('settings'), host.cwd);
  const mcpServers = readMcpServers(o.mcpConfig, host.cwd);
  const modelArg = str('model') ?? host.env.ANTHROPIC_MODEL;
  return {
    print,
    inputFormat,
    outputFormat,
    verbose: o.verbose === true,
    partial: o.includePartialMessages === true,
    model:
      modelArg === undefined
        ? DEFAULT_MODEL
        : (MODEL_ALIASES[/** @type {'opus'} */ (modelArg)] ?? modelArg),
    resume,
    fork: o.forkSession === true,
    sessionId,
    permissionMode: permissionMode(str('permissionMode'), o.dangerouslySkipPermissions === true),
    allowedTools: toolList(o.allowedTools),
    disallowedTools: toolList(o.disallowedTools),
    tools: o.tools === undefined ? null : toolList(o.tools),
    maxTurns: typeof o.maxTurns === 'number' ? o.maxTurns : undefined,
    persist: o.sessionPersistence !== false,
    mcpServers,
    prompt: operands[0],
    replayUserMessages: o.replayUserMessages === true,
    continue: o.continue === true,
    version: false,
    help: false,
    cwd: host.cwd,
  };
}

/** @param {string | undefined} mode @param {boolean} skip */
function permissionMode(mode, skip) {
  if (mode === undefined) return skip ? 'bypassPermissions' : 'default';
  return mode === 'manual' ? 'default' : mode;
}

/** @param {string | undefined} value */
function checkSettingSources(value) {
  if (value === undefined) return;
  for (const source of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!SETTING_SOURCES.includes(source)) {
      fail(
        `Error processing --setting-sources: Invalid setting source: ${source}. Valid options are: ${SETTING_SOURCES.join(', ')}`,
      );
    }
  }
}

/** @param {string} value */
function parseJsonOrUndefined(value) {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** `--settings` takes JSON or a path; anything that is not JSON is looked up as a file. */
/** @param {string | undefined} value @param {string} cwd */
function checkSettings(value, cwd) {
  if (value === undefined || parseJsonOrUndefined(value) !== undefined) return;
  const file = resolve(cwd, value);
  if (!existsSync(file)) fail(`Error: Settings file not found: ${file}`);
}

/** Server names from every `--mcp-config` value (JSON text or file), for `init.mcp_servers`. */
/** @param {unknown} values @param {string} cwd @returns {string[]} */
function readMcpServers(values, cwd) {
  if (!Array.isArray(values)) return [];
  const errors = [];
  const names = [];
  for (const value of values) {
    let config = parseJsonOrUndefined(value);
    if (config === undefined) {
      const file = resolve(cwd, value);
      if (!existsSync(file)) {
        errors.push(`MCP config file not found: ${file}`);
        continue;
      }
      config = parseJsonOrUndefined(readFileSync(file, 'utf8'));
    }
    const servers = config && typeof config === 'object' ? config.mcpServers : undefined;
    if (!servers || typeof servers !== 'object')
      errors.push(`Invalid MCP configuration in ${value}: missing "mcpServers"`);
    else names.push(...Object.keys(servers));
  }
  if (errors.length > 0) fail(`Error: Invalid MCP configuration:\n${errors.join('\n')}`);
  return names;
}

module.exports = { buildConfig, UsageError, DEFAULT_MODEL };
