// @ts-check
'use strict';

/**
 * Per-message scenario selection. Grammar (anywhere in the user text, first match wins):
 *
 *   directive := "[[fake:" name ( " "+ key "=" value )* " "* "]]"
 *   name, key := [a-z_]+
 *   value     := '"' [^"]* '"'  |  [^\s\]]+
 *
 * e.g. `[[fake:flood bytes=1000000 chunk=8192]]`, `[[fake:text text="hi there" delay_ms=50]]`.
 */
const DIRECTIVE = /\[\[fake:([a-z_]+)((?:\s+[a-z_]+=(?:"[^"]*"|[^\s\]]+))*)\s*\]\]/;
const ARG = /([a-z_]+)=(?:"([^"]*)"|([^\s\]]+))/g;

/** @param {string} text @returns {{ name: string, args: Record<string, string> } | null} */
function parseDirective(text) {
  const match = DIRECTIVE.exec(text);
  if (!match) return null;
  /** @type {Record<string, string>} */
  const args = {};
  for (const arg of match[2].matchAll(ARG)) args[arg[1]] = arg[2] ?? arg[3];
  return { name: match[1], args };
}

/**
 * Parameter resolution: scenario default < environment variable < directive argument.
 * @param {Record<string, [string, string]>} spec key → [env var, default]
 * @param {Record<string, string>} args @param {NodeJS.ProcessEnv} env
 */
function resolveParams(spec, args, env) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [key, [envName, fallback]] of Object.entries(spec)) {
    out[key] = args[key] ?? env[envName] ?? fallback;
  }
  return out;
}

module.exports = { parseDirective, resolveParams };
