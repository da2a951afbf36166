/*
 * fast-check generators of hostile tool arguments, driven by the input schemas the gateway
 * advertises in tools/list, so every tool it serves is covered (new ones included). Each case
 * starts from arguments valid for the tool and breaks them one way (a category). What the
 * gateway must answer is computed here with the same parse it runs (the SDK's tools/call schema,
 * then the tool's own zod schema): a tool error naming the problem, a JSON-RPC error, 413 past
 * the body limit, or "not found" for ids the caller does not own. Used by
 * test/hostile-tool-arguments.test.ts and bench/chaos/fuzz.ts.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import * as contracts from '@app/contracts';
import { MCP_MAX_BODY_BYTES } from '../../apps/gateway/src/mcp/limits';
import type { Answer, JsonSchema } from './hostile-http';

export const TOOL_CATEGORIES = [
  'wrong-types',
  'huge-strings',
  'unknown-fields',
  'odd-unicode',
  'path-like-ids',
  'odd-numbers',
  'deep-objects',
  'tool-names',
  'foreign-ids',
] as const;
export type ToolCategory = (typeof TOOL_CATEGORIES)[number];

/** JSON as sent: objects keep their entries in order (duplicates, `__proto__` and all). */
export type J = null | boolean | number | string | RawJson | J[] | JObj;

/** JSON text sent as is: tokens JSON.stringify never writes (1e999, -0, 30-digit integers). */
export class RawJson {
  constructor(readonly text: string) {}
}

export class JObj {
  constructor(readonly entries: Array<[string, J]>) {}
}

export function jsonText(v: J): string {
  if (v instanceof RawJson) return v.text;
  if (v instanceof JObj) {
    return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
  }
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (typeof v === 'number' && !Number.isFinite(v)) {
    return Number.isNaN(v) ? '"NaN"' : v > 0 ? '1e999' : '-1e999';
  }
  return JSON.stringify(v);
}

/** Ids that exist and belong to another tenant than the one sending the cases. */
export interface ForeignIds {
  sessionId: string;
  checkpointId: string;
  /** A session_list cursor pointing into the other tenant's index (its session's member). */
  listCursor?: string;
}

export interface FuzzTarget {
  /** tools/list as the gateway answers it. */
  tools: Array<{ name: string; inputSchema: JsonSchema }>;
  foreign: ForeignIds;
}

export interface ToolCase {
  category: ToolCategory;
  tool: string;
  /** The tools/call `name` (the tool's, except in `tool-names`). */
  name: J;
  /** The arguments as JSON text. */
  args: string;
  /** Private-use markers in `args` that become invalid UTF-8 bytes on the wire (see `bodyOf`). */
  invalidUtf8: boolean;
  /** What was done, for failure messages (never the whole, possibly huge, case). */
  what: string;
  /** foreign-ids: the same call with the foreign ids swapped for unknown ones, and the swaps. */
  twin?: { args: string; swaps: Array<[foreign: string, unknown: string]> };
}

/** What the gateway must answer to a case. */
export type Expected =
  | { kind: 'rpc-error'; status?: number; code?: number }
  | { kind: 'tool-error'; text: RegExp }
  | { kind: 'ok' }
  /** Valid arguments naming nothing the caller owns: "not found" (or another tool error), or a read. */
  | { kind: 'tool-error-or-ok' };

/* ------------------------------------------------------------------------------------------ */
/* Odd values                                                                                  */

/** Characters that break naive handling: NUL, controls, lone surrogates, bidi, joiners, emoji. */
export const ODD_CHARS = [
  '\u0000',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\udc00\ud800', // reversed pair
  '\u202e', // right-to-left override
  '\u202d',
  '\u2066',
  '\u200f',
  '\u200b', // zero width space
  '\u200d', // zero width joiner
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\u{10ffff}',
  '\u0301\u0301\u0301', // stacked combining marks
  '😀',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  'ﷺ',
  'ᄀᄀᄀ',
  'İ',
  'ß',
  '０１２', // fullwidth digits
  'а', // Cyrillic a
  '\\',
  '"',
  '\n',
  '\r\n',
  '\t',
] as const;

/** Become bytes no UTF-8 decoder accepts (0xFF, an overlong NUL, a CESU-8 surrogate). */
const INVALID_UTF8: Array<[marker: string, bytes: number[]]> = [
  ['\ue000', [0xff]],
  ['\ue001', [0xc0, 0x80]],
  ['\ue002', [0xed, 0xa0, 0x80]],
];

/** Ids and paths that try to walk out of where they belong, or into Redis keys and shells. */
export const PATH_LIKE = [
  '../',
  '..',
  '.',
  '/',
  '../../../../etc/passwd',
  '/etc/passwd',
  '/proc/self/environ',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%2e%2e/%2e%2e/etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%252e%252e%252f',
  '..%c0%af..%c0%af',
  '..\\..\\windows\\win.ini',
  'C:\\Windows\\System32',
  '\\\\server\\share',
  '....//....//etc/passwd',
  './../.././',
  'a/../../b',
  'a/./b//c',
  '~/.ssh/id_rsa',
  'file:///etc/passwd',
  '%00',
  'a\u0000/../../etc/passwd',
  '*',
  '?',
  '[a-z]*',
  'csb:*',
  'csb:{x}:session',
  '}:session',
  '{',
  '\r\nFLUSHALL\r\n',
  '$(id)',
  '`id`',
  '; rm -rf /',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  'null',
  'undefined',
  '__proto__',
  'constructor',
] as const;

/** Number tokens at the edges of JSON and of JavaScript numbers, as sent (not as parsed). */
export const NUMBER_TOKENS = [
  '-1',
  '-0',
  '0',
  '0.5',
  '1.5',
  '-0.0',
  '1e-400',
  '5e-324',
  '1e308',
  '1e309',
  '-1e309',
  '1e999',
  '9007199254740991',
  '9007199254740993',
  '-9007199254740993',
  '123456789012345678901234567890',
  '4294967296',
  '2147483648',
  '-2147483649',
  '1E3',
  '1.0',
  '120001',
  '1000.0000000000001',
  '0.1e1',
] as const;

/** Values that are numbers to a careless reader. */
const NUMBER_LOOKALIKES: J[] = [
  '5',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1e3',
  '',
  ' 1',
  true,
  null,
  [1],
  new JObj([['valueOf', 1]]),
];

const anyJsonValue: fc.Arbitrary<J> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 20 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)), {
    maxLength: 4,
  }),
  fc
    .array(
      fc.tuple(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 5 }))),
      { maxLength: 3 },
    )
    .map((entries) => new JObj(entries)),
);

const oddString: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...ODD_CHARS) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      },
      { weight: 1, arbitrary: fc.constantFrom(...INVALID_UTF8.map(([m]) => m)) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
    ),
    { minLength: 1, maxLength: 24 },
  )
  .map((parts) => parts.join(''));

/* ------------------------------------------------------------------------------------------ */
/* Valid arguments from a JSON Schema                                                          */

const HEX64 = /^\^?\[0-9a-f\]\{64\}\$?$/;
const isUuid = (s: JsonSchema) => s.format === 'uuid';
const isHex64 = (s: JsonSchema) => s.pattern !== undefined && HEX64.test(s.pattern);

interface IdChoice {
  /** Session ids: an unknown one, or the other tenant's. */
  sessionId: () => fc.Arbitrary<string>;
  checkpointId: () => fc.Arbitrary<string>;
}

const unknownIds: IdChoice = {
  sessionId: () => fc.uuid({ version: 4 }),
  checkpointId: () => fc.stringMatching(/^[0-9a-f]{64}$/),
};

function foreignIds(foreign: ForeignIds): IdChoice {
  return {
    sessionId: () => fc.constant(foreign.sessionId),
    checkpointId: () => fc.constant(foreign.checkpointId),
  };
}

/** A value the schema accepts (as far as JSON Schema says; zod refinements may still refuse). */
function validValue(schema: JsonSchema, ids: IdChoice, depth = 0): fc.Arbitrary<J> {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return fc.oneof(...branches.map((b) => validValue(b, ids, depth + 1)));
  if (schema.enum) return fc.constantFrom(...(schema.enum as J[]));
  if (schema.const !== undefined) return fc.constant(schema.const as J);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      if (isUuid(schema)) return ids.sessionId();
      if (isHex64(schema)) return ids.checkpointId();
      const min = Math.max(1, schema.minLength ?? 0);
      const max = Math.min(schema.maxLength ?? 24, 24);
      if (schema.pattern) {
        return fc
          .stringMatching(new RegExp(schema.pattern), {
            maxLength: Math.max(min, max),
            size: 'xsmall',
          })
          .filter((s) => s.length >= min);
      }
      return fc
        .string({ unit: 'grapheme-ascii', minLength: min, maxLength: Math.max(min, max) })
        .map((s) => s.replace(/^\/+|\.\./g, 'x'));
    }
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1000, -(2 ** 31)),
        max: Math.min(schema.maximum ?? 1000, 2 ** 31),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1000,
        max: schema.maximum ?? 1000,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      if (depth > 6 || !schema.items) return fc.constant([]);
      const min = Math.max(1, schema.minItems ?? 0);
      return fc.array(validValue(schema.items, ids, depth + 1), {
        minLength: min,
        maxLength: Math.max(min, Math.min(schema.maxItems ?? 3, 3)),
      });
    }
    case 'object':
    default: {
      const props = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      if (props.length === 0 || depth > 6) return fc.constant(new JObj([]));
      return fc
        .tuple(
          ...props.map(([key, s]) =>
            required.has(key)
              ? validValue(s, ids, depth + 1).map((v) => [key, v] as [string, J])
              : fc.option(
                  validValue(s, ids, depth + 1).map((v) => [key, v] as [string, J]),
                  {
                    nil: undefined,
                    freq: 2,
                  },
                ),
          ),
        )
        .map((entries) => new JObj(entries.filter((e): e is [string, J] => e !== undefined)));
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Places in the arguments a mutation can hit                                                  */

type Path = Array<string | number>;

interface Slot {
  path: Path;
  /** The schema of what is there (or may be there), when known. */
  schema?: JsonSchema;
}

/** Every node of `value`, and every property the schema allows at the top that is absent. */
function slotsOf(value: J, schema: JsonSchema): Slot[] {
  const slots: Slot[] = [];
  const visit = (v: J, s: JsonSchema | undefined, path: Path) => {
    if (path.length > 0) slots.push({ path, schema: s });
    if (v instanceof JObj) {
      for (const [k, x] of v.entries) visit(x, propertySchema(s, k), [...path, k]);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, s?.items, [...path, i]));
    }
  };
  visit(value, schema, []);
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    if (!slots.some((slot) => slot.path.length === 1 && slot.path[0] === key)) {
      slots.push({ path: [key], schema: s });
    }
  }
  return slots;
}

/** The schema of property `key`, choosing the union branch that has it. */
function propertySchema(s: JsonSchema | undefined, key: string): JsonSchema | undefined {
  if (!s) return undefined;
  if (s.properties?.[key]) return s.properties[key];
  for (const branch of s.anyOf ?? s.oneOf ?? []) {
    const found = propertySchema(branch, key);
    if (found) return found;
  }
  return undefined;
}

/** A copy of `root` with `path` set to `value` (an object property is replaced or appended). */
function setAt(root: J, path: Path, value: J): J {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (root instanceof JObj && typeof head === 'string') {
    const i = root.entries.findIndex(([k]) => k === head);
    const next = i >= 0 ? setAt(root.entries[i][1], rest, value) : setAt(new JObj([]), rest, value);
    const entries = [...root.entries];
    if (i >= 0) entries[i] = [head, next];
    else entries.push([head, next]);
    return new JObj(entries);
  }
  if (Array.isArray(root) && typeof head === 'number') {
    const copy = [...root];
    copy[head] = setAt(root[head], rest, value);
    return copy;
  }
  return root; // the path no longer fits (an earlier mutation changed the shape)
}

function getAt(root: J, path: Path): J | undefined {
  let node: J | undefined = root;
  for (const part of path) {
    if (node instanceof JObj) node = node.entries.find(([k]) => k === part)?.[1];
    else if (Array.isArray(node) && typeof part === 'number') node = node[part];
    else return undefined;
  }
  return node;
}

/** Adds entries to the object at `path` (the root when none is there). */
function addEntries(root: J, path: Path, entries: Array<[string, J]>): J {
  const target = getAt(root, path);
  if (!(target instanceof JObj))
    return root instanceof JObj ? new JObj([...root.entries, ...entries]) : root;
  return setAt(root, path, new JObj([...target.entries, ...entries]));
}

const objectPaths = (value: J, schema: JsonSchema): Path[] => [
  [],
  ...slotsOf(value, schema)
    .filter((s) => getAt(value, s.path) instanceof JObj)
    .map((s) => s.path),
];

const describePath = (path: Path) => (path.length ? path.join('.') : 'arguments');

/* ------------------------------------------------------------------------------------------ */
/* Cases                                                                                       */

interface Mutation {
  args: J;
  what: string;
  name?: J;
}

type Mutator = (base: JObj, schema: JsonSchema) => fc.Arbitrary<Mutation>;

const pickSlot = (base: JObj, schema: JsonSchema, prefer?: (s: Slot) => boolean) => {
  const slots = slotsOf(base, schema);
  const preferred = prefer ? slots.filter(prefer) : [];
  const pool = preferred.length > 0 ? preferred : slots;
  return pool.length > 0 ? fc.constantFrom(...pool) : fc.constant<Slot>({ path: ['x'] });
};

const schemaType = (s?: JsonSchema) => (Array.isArray(s?.type) ? s?.type[0] : s?.type);

const MUTATORS: Record<Exclude<ToolCategory, 'foreign-ids'>, Mutator> = {
  'wrong-types': (base, schema) =>
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.tuple(pickSlot(base, schema), anyJsonValue).map(([slot, v]) => ({
          args: setAt(base, slot.path, v),
          what: `${describePath(slot.path)} = ${short(v)}`,
        })),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom<J>(null, [], [base], 'x', 0, true, new RawJson('""'), new RawJson('[{}]'))
          .map((v) => ({ args: v, what: `arguments = ${short(v)}` })),
      },
    ),

  'huge-strings': (base, schema) =>
    fc
      .tuple(
        pickSlot(base, schema, (s) => schemaType(s.schema) === 'string'),
        fc.integer({ min: 64 * 1024, max: 3_700_000 }),
        fc.constantFrom('x', 'é', '😀', '\u0000', '"', 'ab', '\ud800'),
        fc.constantFrom('value', 'key', 'array'),
      )
      .map(([slot, size, unit, where]) => {
        const text = unit.repeat(Math.ceil(size / unit.length));
        const what = `${where} of ${size} × ${JSON.stringify(unit)} at ${describePath(slot.path)}`;
        if (where === 'key') return { args: addEntries(base, [], [[text, 1]]), what };
        if (where === 'array') {
          return {
            args: setAt(
              base,
              slot.path,
              Array.from({ length: Math.ceil(size / 64) }, () => 'x'.repeat(60)),
            ),
            what,
          };
        }
        return { args: setAt(base, slot.path, text), what };
      }),

  'unknown-fields': (base, schema) =>
    fc
      .tuple(
        fc.constantFrom(...objectPaths(base, schema)),
        fc.array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom(
                '__proto__',
                'constructor',
                'prototype',
                'toString',
                'hasOwnProperty',
                'tenant',
                'sessionId ',
                'SessionId',
                'session_id',
                '$where',
                '',
                ' ',
                'a.b',
                'a[0]',
                '\u0000',
                '\ud800',
                '__defineGetter__',
              ),
              fc.string({ maxLength: 12 }),
            ),
            fc.oneof(
              anyJsonValue,
              fc.constant<J>(
                new JObj([
                  ['polluted', true],
                  ['sessionId', randomUUID()],
                ]),
              ),
            ),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        fc.boolean(),
      )
      .chain(([path, entries, duplicate]) => {
        const added = {
          args: addEntries(base, path, entries),
          what: `+${entries.length} keys at ${describePath(path)}: ${short(entries.map(([k]) => k))}`,
        };
        if (!duplicate || base.entries.length === 0) return fc.constant(added);
        // A key twice: JSON.parse keeps the last one; a careless validator might read the first.
        return fc.constantFrom(...base.entries).chain(([key]) =>
          anyJsonValue.map((v) => ({
            args: new JObj([[key, v], ...base.entries]),
            what: `${key} twice (first ${short(v)})`,
          })),
        );
      }),

  'odd-unicode': (base, schema) =>
    fc
      .tuple(
        pickSlot(base, schema, (s) => schemaType(s.schema) === 'string'),
        oddString,
        fc.constantFrom('replace', 'prefix', 'suffix', 'inside', 'key'),
      )
      .map(([slot, odd, how]) => {
        const current = getAt(base, slot.path);
        const str = typeof current === 'string' ? current : '';
        const mid = Math.floor(str.length / 2);
        const value =
          how === 'prefix'
            ? odd + str
            : how === 'suffix'
              ? str + odd
              : how === 'inside'
                ? str.slice(0, mid) + odd + str.slice(mid)
                : odd;
        const what = `${how} ${JSON.stringify(odd)} at ${describePath(slot.path)}`;
        if (how === 'key') return { args: addEntries(base, [], [[odd, 'x']]), what };
        return { args: setAt(base, slot.path, value), what };
      }),

  'path-like-ids': (base, schema) =>
    fc
      .tuple(
        pickSlot(base, schema, (s) => schemaType(s.schema) === 'string'),
        fc.constantFrom(...PATH_LIKE),
        fc.constantFrom('replace', 'prefix', 'suffix'),
      )
      .map(([slot, bad, how]) => {
        const current = getAt(base, slot.path);
        const str = typeof current === 'string' ? current : '';
        const value = how === 'prefix' ? `${bad}/${str}` : how === 'suffix' ? `${str}/${bad}` : bad;
        return {
          args: setAt(base, slot.path, value),
          what: `${describePath(slot.path)} = ${JSON.stringify(value).slice(0, 120)}`,
        };
      }),

  'odd-numbers': (base, schema) =>
    fc
      .tuple(
        pickSlot(base, schema, (s) => ['integer', 'number'].includes(schemaType(s.schema) ?? '')),
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.constantFrom(...NUMBER_TOKENS).map((t) => new RawJson(t) as J),
          },
          { weight: 2, arbitrary: fc.double().map((d) => d as J) },
          { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: -1 }).map((n) => n as J) },
          { weight: 1, arbitrary: fc.constantFrom(...NUMBER_LOOKALIKES) },
        ),
      )
      .map(([slot, v]) => ({
        args: setAt(base, slot.path, v),
        what: `${describePath(slot.path)} = ${short(v)}`,
      })),

  'deep-objects': (base, schema) =>
    fc
      .tuple(
        pickSlot(base, schema),
        fc.integer({ min: 50, max: 20_000 }),
        fc.constantFrom('array', 'object', 'mixed'),
        fc.boolean(),
      )
      .map(([slot, depth, shape, asNewKey]) => {
        const deep = new RawJson(nested(depth, shape));
        const what = `${shape} nested ${depth} deep at ${asNewKey ? 'a new key' : describePath(slot.path)}`;
        return {
          args: asNewKey ? addEntries(base, [], [['deep', deep]]) : setAt(base, slot.path, deep),
          what,
        };
      }),

  'tool-names': (base) =>
    fc
      .oneof(
        fc.constantFrom<J>(
          '',
          ' ',
          'unknown_tool',
          'SESSION_START',
          'session_start ',
          ' session_start',
          'session_start\u0000',
          'session-start',
          '../session_start',
          'tools/call',
          '__proto__',
          'constructor',
          'toString',
          'session_start\u202e',
          '😀',
        ),
        oddString,
        fc.constantFrom(...PATH_LIKE),
        fc.integer({ min: 1_000, max: 2_000_000 }).map((n) => 'n'.repeat(n)),
        fc.constantFrom<J>(null, 1, true, [], new JObj([])),
      )
      .map((name) => ({ args: base, name, what: `name = ${short(name)}` })),
};

/** `depth` levels of `[`/`{"a":` (or alternating), closed again. */
export function nested(depth: number, shape: string): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    const arr = shape === 'array' || (shape === 'mixed' && i % 2 === 0);
    open.push(arr ? '[' : '{"a":');
    close.push(arr ? ']' : '}');
  }
  return `${open.join('')}1${close.reverse().join('')}`;
}

function short(v: unknown): string {
  const text =
    typeof v === 'object' && v !== null ? jsonText(v as J) : (JSON.stringify(v) ?? String(v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Cases of one category, over every tool of the target. */
export function toolCases(category: ToolCategory, target: FuzzTarget): fc.Arbitrary<ToolCase> {
  const tools =
    category === 'foreign-ids'
      ? target.tools.filter((t) => hasIds(t.inputSchema) || t.name === 'session_list')
      : target.tools;
  return fc.constantFrom(...tools).chain((tool) => {
    if (category === 'foreign-ids') return foreignCase(tool, target.foreign);
    return validValue(tool.inputSchema, unknownIds).chain((base) =>
      MUTATORS[category](base as JObj, tool.inputSchema).map((m): ToolCase => {
        const args = jsonText(m.args);
        return printable({
          category,
          tool: tool.name,
          name: m.name ?? tool.name,
          args,
          invalidUtf8: INVALID_UTF8.some(([marker]) => args.includes(marker)),
          what: m.what,
        });
      }),
    );
  });
}

/** fast-check prints a counterexample by its description, not its (possibly huge) arguments. */
function printable(c: ToolCase): ToolCase {
  return Object.assign(c, { [fc.toStringMethod]: () => `${c.category} ${c.tool}: ${c.what}` });
}

function hasIds(schema: JsonSchema): boolean {
  return Object.values(schema.properties ?? {}).some((s) => isUuid(s) || isHex64(s));
}

/** Valid arguments naming the other tenant's session and checkpoint, and the same with unknown ids. */
function foreignCase(
  tool: FuzzTarget['tools'][number],
  foreign: ForeignIds,
): fc.Arbitrary<ToolCase> {
  const unknownSession = randomUUID();
  const unknownCheckpoint = randomUUID().replace(/-/g, '').padEnd(64, '0');
  return validValue(tool.inputSchema, foreignIds(foreign)).map((value): ToolCase => {
    let args = value as JObj;
    if (tool.name === 'session_list' && foreign.listCursor) {
      args = setAt(args, ['cursor'], foreign.listCursor) as JObj;
    }
    // A fork names the checkpoint; seeding a workspace besides is a different refusal.
    if (
      tool.inputSchema.properties?.checkpointId &&
      !args.entries.some(([k]) => k === 'checkpointId')
    ) {
      args = setAt(args, ['checkpointId'], foreign.checkpointId) as JObj;
    }
    // An optional session id (usage_report's) left out would ask about no session at all.
    if (tool.inputSchema.properties?.sessionId && !args.entries.some(([k]) => k === 'sessionId')) {
      args = setAt(args, ['sessionId'], foreign.sessionId) as JObj;
    }
    if (tool.name === 'session_start')
      args = new JObj(args.entries.filter(([k]) => k !== 'workspace'));
    const text = jsonText(args);
    const swaps: Array<[string, string]> = [
      [foreign.sessionId, unknownSession],
      [foreign.checkpointId, unknownCheckpoint],
    ];
    const twin = swaps.reduce((t, [from, to]) => t.split(from).join(to), text);
    return printable({
      category: 'foreign-ids',
      tool: tool.name,
      name: tool.name,
      args: text,
      invalidUtf8: false,
      what: `another tenant's ids: ${text.slice(0, 200)}`,
      twin: { args: twin, swaps },
    });
  });
}

/* ------------------------------------------------------------------------------------------ */
/* The request on the wire, and what it must get                                               */

/** The tools/call body of a case, as bytes (with the invalid UTF-8 it asks for). */
export function bodyOf(c: ToolCase, id: number, args = c.args): Buffer {
  const text = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":${jsonText(c.name)},"arguments":${args}}}`;
  if (!c.invalidUtf8) return Buffer.from(text, 'utf8');
  let bytes: Buffer = Buffer.from(text, 'utf8');
  for (const [marker, raw] of INVALID_UTF8)
    bytes = replaceBytes(bytes, Buffer.from(marker, 'utf8'), Buffer.from(raw));
  return bytes;
}

function replaceBytes(haystack: Buffer, needle: Buffer, replacement: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, from)) {
    parts.push(haystack.subarray(from, i), replacement);
    from = i + needle.length;
  }
  parts.push(haystack.subarray(from));
  return Buffer.concat(parts);
}

/** Zod schemas by tool name, for the parse the gateway runs before a handler. */
export type ToolSchemas = ReadonlyMap<string, Pick<z.ZodType, 'safeParse'>>;

/** Tool input schemas of libs/contracts by the names DESIGN.md fixes (for a gateway in another process). */
export const CONTRACT_TOOL_INPUTS: ToolSchemas = new Map<string, Pick<z.ZodType, 'safeParse'>>([
  ['session_start', contracts.SessionStartInput],
  ['session_send', contracts.SessionSendInput],
  ['session_events', contracts.SessionEventsInput],
  ['session_status', contracts.SessionIdInput],
  ['session_list', contracts.SessionListInput],
  ['session_interrupt', contracts.SessionIdInput],
  ['session_terminate', contracts.SessionIdInput],
  ['session_respond', contracts.SessionRespondInput],
  ['checkpoint_create', contracts.CheckpointCreateInput],
  ['checkpoint_list', contracts.SessionIdInput],
  ['workspace_list', contracts.WorkspaceListInput],
  ['workspace_read', contracts.WorkspaceReadInput],
  ['workspace_diff', contracts.WorkspaceDiffInput],
]);

/** Tools whose valid call only reads: the caller owns nothing for them to change. */
const READ_ONLY_TOOLS = new Set(['session_list', 'usage_report']);

/**
 * What the gateway must answer: the same parse it runs (bytes → JSON → the SDK's tools/call
 * schema → the tool's schema). `undefined` for valid arguments that would be served and write
 * (a new session): not hostile input, so no case.
 */
export function expectedAnswer(
  c: ToolCase,
  schemas: ToolSchemas,
  advertised: FuzzTarget['tools'],
): Expected | undefined {
  const body = bodyOf(c, 1);
  if (body.length > MCP_MAX_BODY_BYTES) return { kind: 'rpc-error', status: 413 };
  const request = CallToolRequestSchema.safeParse(JSON.parse(body.toString('utf8')));
  if (!request.success) return { kind: 'rpc-error', code: -32602 };
  const { name, arguments: args } = request.data.params;
  const tool = advertised.find((t) => t.name === name);
  if (!tool) return { kind: 'tool-error', text: /^Unknown tool "/ };
  const schema = schemas.get(name);
  if (!schema) return undefined; // a tool this run knows no schema for: only its own category runs
  const parsed = schema.safeParse(args ?? {});
  if (!parsed.success)
    return { kind: 'tool-error', text: new RegExp(`^Invalid arguments for ${name}: \\S`) };
  const data = parsed.data as Record<string, unknown>;
  // A read: its result, or a refusal of a value only the handler checks (a cursor not its own).
  if (READ_ONLY_TOOLS.has(name)) return { kind: 'tool-error-or-ok' };
  if (name === 'session_start') {
    return typeof data.checkpointId === 'string'
      ? { kind: 'tool-error', text: /not found|cannot be combined/ }
      : undefined;
  }
  // Any other tool acts on a session or checkpoint, and the caller owns none.
  if (hasIds(tool.inputSchema)) return { kind: 'tool-error', text: /not found/ };
  return undefined;
}

/** An answer carrying one of the other tenant's ids that the request did not itself carry. */
export function leak(answer: Answer, c: ToolCase, foreign: ForeignIds): string | undefined {
  const ids = [foreign.sessionId, foreign.checkpointId];
  const leaked = ids.find((id) => answer.text?.includes(id) && !c.args.includes(id));
  return (
    leaked && `the answer carries another tenant's id ${leaked}: ${answer.text?.slice(0, 200)}`
  );
}

/**
 * Largest answer to a refused call: an error names the problem, it does not echo a multi-megabyte
 * input back (on a stateful MCP session every answer is also kept in Redis for replay).
 */
export const MAX_ANSWER_BYTES = 16 * 1024;

/** Why `answer` is not what `expected` says, or undefined when it is. */
export function mismatch(answer: Answer, expected: Expected, boundMs: number): string | undefined {
  if (answer.kind === 'failure') return answer.failure;
  if (answer.ms > boundMs) return `answered in ${answer.ms} ms, over the ${boundMs} ms bound`;
  if (answer.bytes > MAX_ANSWER_BYTES) {
    return `an answer of ${answer.bytes} bytes (over ${MAX_ANSWER_BYTES}): ${answer.text?.slice(0, 100)}...`;
  }
  switch (expected.kind) {
    case 'rpc-error':
      if (answer.kind !== 'rpc-error')
        return `expected a JSON-RPC error, got ${answer.kind}: ${answer.text?.slice(0, 200)}`;
      if (expected.status !== undefined && answer.status !== expected.status)
        return `expected HTTP ${expected.status}, got ${answer.status}: ${answer.text}`;
      if (expected.code !== undefined && answer.code !== expected.code)
        return `expected code ${expected.code}, got ${answer.code}: ${answer.text}`;
      return undefined;
    case 'tool-error':
      if (answer.kind !== 'tool-error')
        return `expected a tool error, got ${answer.kind} (${answer.status}): ${answer.text?.slice(0, 200)}`;
      if (!expected.text.test(answer.text ?? ''))
        return `tool error ${JSON.stringify(answer.text?.slice(0, 300))} does not match ${expected.text}`;
      return undefined;
    case 'ok':
      return answer.kind === 'ok'
        ? undefined
        : `expected a result, got ${answer.kind}: ${answer.text?.slice(0, 200)}`;
    case 'tool-error-or-ok':
      return answer.kind === 'ok' || answer.kind === 'tool-error'
        ? undefined
        : `got ${answer.kind}: ${answer.text?.slice(0, 200)}`;
  }
}
