// @ts-check
'use strict';
const { suggestSimilar } = require('./suggest.cjs');

/**
 * @typedef {'bool' | 'value' | 'optional' | 'variadic'} Arity
 * @typedef {{ spec: string, key: string, arity: Arity, names: string[], choices?: string[],
 *   hiddenChoices?: string[], number?: boolean, hidden?: boolean }} OptionDef
 * @typedef {Record<string, string | string[] | boolean | number | undefined>} Options
 */

/** A usage error: printed to stderr as-is, exit 1, nothing on stdout. */
class UsageError extends Error {}

/**
 * The real CLI's option table (commander specs copied from `claude --help` of 2.1.331, plus the
 * hidden flags the SDKs pass). The spec text matters: commander quotes it in its error messages.
 * @type {Array<[string, Partial<OptionDef>?]>}
 */
const TABLE = [
  ['--add-dir <directories...>'],
  ['--agent <agent>'],
  ['--agents <json-or-file>'],
  ['--allow-dangerously-skip-permissions'],
  ['--allowedTools, --allowed-tools <tools...>'],
  ['--append-system-prompt <prompt>'],
  ['--append-system-prompt-file <file>', { hidden: true }],
  ['--bare'],
  ['--betas <betas...>'],
  ['-c, --continue'],
  ['--dangerously-skip-permissions'],
  ['-d, --debug [filter]'],
  ['--debug-file <path>'],
  ['--disable-slash-commands'],
  ['--disallowedTools, --disallowed-tools <tools...>'],
  ['--effort <level>'],
  ['--exclude-dynamic-system-prompt-sections'],
  ['--fallback-model <model>'],
  ['--fork-session'],
  ['--forward-subagent-text'],
  ['-h, --help'],
  ['--include-hook-events'],
  ['--include-partial-messages'],
  ['--input-format <format>', { choices: ['text', 'stream-json'] }],
  ['--json-schema <schema>'],
  ['--max-budget-usd <amount>'],
  ['--max-thinking-tokens <tokens>', { hidden: true }],
  ['--max-turns <turns>', { hidden: true, number: true }],
  ['--mcp-config <configs...>'],
  ['--model <model>'],
  ['-n, --name <name>'],
  ['--no-session-persistence'],
  ['--output-format <format>', { choices: ['text', 'json', 'stream-json'] }],
  [
    '--permission-mode <mode>',
    // `default` is accepted although the help text does not list it (checked on 2.1.331).
    {
      choices: ['acceptEdits', 'auto', 'bypassPermissions', 'manual', 'dontAsk', 'plan'],
      hiddenChoices: ['default'],
    },
  ],
  ['--permission-prompt-tool <tool>', { hidden: true }],
  ['--permission-prompts <target>', { choices: ['host', 'none'] }],
  ['-p, --print'],
  ['--replay-user-messages'],
  ['-r, --resume [value]'],
  ['--session-id <uuid>'],
  ['--setting-sources <sources>'],
  ['--settings <file-or-json>'],
  ['--strict-mcp-config'],
  ['--system-prompt <prompt>'],
  ['--system-prompt-file <file>', { hidden: true }],
  ['--tools <tools...>'],
  ['--verbose'],
  ['-v, --version'],
];

/** @param {string} spec @param {Partial<OptionDef>} extra @returns {OptionDef} */
function defineOption(spec, extra) {
  const [flags, arg = ''] = spec.split(/ (?=[<[])/);
  const names = flags.split(', ');
  const long = names.find((n) => n.startsWith('--')) ?? names[0];
  const key = long.replace(/^--(no-)?/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  /** @type {Arity} */
  let arity = 'bool';
  if (arg.startsWith('[')) arity = 'optional';
  else if (arg.endsWith('...>')) arity = 'variadic';
  else if (arg.startsWith('<')) arity = 'value';
  return { spec, key, arity, names, ...extra };
}

const OPTIONS = TABLE.map(([spec, extra]) => defineOption(spec, extra ?? {}));
const BY_NAME = new Map(OPTIONS.flatMap((o) => o.names.map((n) => [n, o])));
const VISIBLE_LONG = OPTIONS.filter((o) => !o.hidden).map((o) => o.names[o.names.length - 1]);

/** @param {string} arg */
const maybeOption = (arg) => arg.length > 1 && arg[0] === '-';

/** @param {OptionDef} option @param {string} value */
function convert(option, value) {
  const allowed = [...(option.choices ?? []), ...(option.hiddenChoices ?? [])];
  if (option.choices && !allowed.includes(value)) {
    const list = option.choices.join(', ');
    throw new UsageError(
      `error: option '${option.spec}' argument '${value}' is invalid. Allowed choices are ${list}.`,
    );
  }
  if (option.number) {
    if (Number.isNaN(Number(value))) {
      throw new UsageError(
        `error: option '${option.spec}' argument '${value}' is invalid. must be a number`,
      );
    }
    return Number(value);
  }
  return value;
}

/** @param {Options} out @param {OptionDef} option @param {string | boolean} value */
function store(out, option, value) {
  if (option.arity === 'variadic') {
    const prev = out[option.key];
    out[option.key] = [...(Array.isArray(prev) ? prev : []), /** @type {string} */ (value)];
  } else if (option.names.some((n) => n.startsWith('--no-'))) {
    out[option.key] = false;
  } else {
    out[option.key] = typeof value === 'string' ? convert(option, value) : value;
  }
}

/**
 * Splits `--name=value` and `-xVALUE` the way commander does; returns the option and inline value.
 * @param {string} arg
 * @returns {{ option: OptionDef | undefined, inline: string | undefined, rest: string | undefined }}
 */
function lookup(arg) {
  const direct = BY_NAME.get(arg);
  if (direct) return { option: direct, inline: undefined, rest: undefined };
  if (arg.startsWith('--') && arg.includes('=')) {
    const at = arg.indexOf('=');
    const option = BY_NAME.get(arg.slice(0, at));
    if (option && option.arity !== 'bool')
      return { option, inline: arg.slice(at + 1), rest: undefined };
  } else if (/^-[^-]./.test(arg)) {
    const option = BY_NAME.get(arg.slice(0, 2));
    if (option && option.arity !== 'bool') return { option, inline: arg.slice(2), rest: undefined };
    if (option) return { option, inline: undefined, rest: `-${arg.slice(2)}` };
  }
  return { option: undefined, inline: undefined, rest: undefined };
}

/**
 * Parses argv like commander: errors surface in argument order (the first one wins), `--version`
 * acts as soon as it is seen, a variadic option swallows following non-option words (so
 * `--allowedTools Bash "prompt"` eats the prompt, exactly like the real CLI).
 * @param {string[]} argv
 * @returns {{ options: Options, operands: string[] }}
 */
function parseArgs(argv) {
  const args = [...argv];
  /** @type {Options} */
  const options = {};
  /** @type {string[]} */
  const operands = [];
  /** @type {OptionDef | null} */
  let variadic = null;
  while (args.length > 0) {
    const arg = /** @type {string} */ (args.shift());
    if (arg === '--') {
      operands.push(...args);
      break;
    }
    if (variadic && !maybeOption(arg)) {
      store(options, variadic, arg);
      continue;
    }
    variadic = null;
    if (!maybeOption(arg)) {
      operands.push(arg);
      continue;
    }
    const { option, inline, rest } = lookup(arg);
    if (!option)
      throw new UsageError(`error: unknown option '${arg}'${suggestSimilar(arg, VISIBLE_LONG)}`);
    if (rest !== undefined) args.unshift(rest);
    if (option.key === 'version') return { options: { version: true }, operands };
    takeValue(option, inline, args, options);
    if (option.arity === 'variadic') variadic = option;
  }
  return { options, operands };
}

/** @param {OptionDef} option @param {string | undefined} inline @param {string[]} args @param {Options} options */
function takeValue(option, inline, args, options) {
  if (option.arity === 'bool') return store(options, option, true);
  if (inline !== undefined) return store(options, option, inline);
  if (option.arity === 'optional') {
    const next = args.length > 0 && !maybeOption(args[0]) ? args.shift() : undefined;
    return store(options, option, next ?? true);
  }
  const value = args.shift();
  if (value === undefined) throw new UsageError(`error: option '${option.spec}' argument missing`);
  store(options, option, value);
}

/** Variadic tool lists accept commas and spaces: `--allowedTools "Read,Bash(git *)" Edit`. */
/** @param {unknown} value */
function toolList(value) {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v) => String(v).split(/[,\s]+(?![^(]*\))/)).filter((v) => v.length > 0);
}

module.exports = { parseArgs, toolList, UsageError, OPTIONS };
