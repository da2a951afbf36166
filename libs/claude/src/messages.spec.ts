import fc from 'fast-check';
import { z } from 'zod';
import * as M from './messages';
import { compilePredicate } from './parser/schema-predicate';
import { readCliFixtures } from './parser/spec/test-support';

const SCHEMAS = {
  system: M.SystemMessageSchema,
  systemInit: M.SystemInitMessageSchema,
  assistant: M.AssistantMessageSchema,
  user: M.UserMessageSchema,
  streamEvent: M.StreamEventMessageSchema,
  result: M.ResultMessageSchema,
  unknown: M.UnknownMessageSchema,
  text: M.TextBlockSchema,
  thinking: M.ThinkingBlockSchema,
  toolUse: M.ToolUseBlockSchema,
  toolResult: M.ToolResultBlockSchema,
};
const PREDICATES = Object.entries(SCHEMAS).map(
  ([name, schema]) => [name, schema, compilePredicate(schema)] as const,
);

const fixtureObjects = readCliFixtures().flatMap((f) =>
  f.bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>),
);

const init = {
  type: 'system',
  subtype: 'init',
  cwd: '/srv/app',
  session_id: 's1',
  tools: ['Bash'],
  model: 'claude-haiku-4-5',
};
const result = { type: 'result', subtype: 'success', is_error: false, session_id: 's1' };
const assistant = {
  type: 'assistant',
  message: { role: 'assistant', content: [{ type: 'text', text: 'hi' }] },
};

function expectPredicatesAgreeWithZod(value: unknown): void {
  for (const [name, schema, check] of PREDICATES) {
    expect([name, check(value)]).toEqual([name, schema.safeParse(value).success]);
  }
}

describe('compiled predicates', () => {
  it('agree with zod on every recorded CLI line', () => {
    expect(fixtureObjects.length).toBeGreaterThan(0);
    fixtureObjects.forEach(expectPredicatesAgreeWithZod);
  });

  it('agree with zod on mutated lines', () => {
    const DELETE = Symbol('delete');
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(DELETE, undefined, Infinity, 'init', 'result', 'text', [], {}, null, 1),
    );
    const mutation = fc
      .constantFrom(...representatives([...fixtureObjects, init, result, assistant]))
      .chain((base) => {
        const all = pathsOf(base);
        const named = all.filter((p) => SCHEMA_KEYS.has(p[p.length - 1]));
        const path = fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...(named.length > 0 ? named : all)) },
          { weight: 1, arbitrary: fc.constantFrom(...all) },
        );
        return fc.tuple(fc.constant(base), path, value);
      });
    fc.assert(
      fc.property(mutation, ([base, path, v]) => {
        const copy = structuredClone(base);
        const parent = path
          .slice(0, -1)
          .reduce<Record<string, unknown>>(
            (node, key) => node[key] as Record<string, unknown>,
            copy,
          );
        const key = path[path.length - 1];
        if (v === DELETE) delete parent[key];
        else parent[key] = v;
        expectPredicatesAgreeWithZod(copy);
      }),
      { numRuns: 2000 },
    );
  });

  it('reject non-finite numbers like zod 4 does', () => {
    expectPredicatesAgreeWithZod({ ...result, num_turns: Infinity });
    expectPredicatesAgreeWithZod({ ...result, total_cost_usd: Number.NaN });
  });

  it('refuse zod features they do not implement', () => {
    expect(() => compilePredicate(z.string().min(1))).toThrow(/unsupported/);
    expect(() => compilePredicate(z.strictObject({ a: z.string() }))).toThrow(/unsupported/);
    expect(() => compilePredicate(z.string().transform((s) => s.length))).toThrow(/unsupported/);
    expect(() => compilePredicate(z.record(z.string(), z.string()))).toThrow(/unsupported/);
  });
});

/** Every field name the schemas mention: mutations aim there, where verdicts can flip. */
const SCHEMA_KEYS = new Set(Object.values(SCHEMAS).flatMap((schema) => keysOf(schema)));

function keysOf(schema: z.ZodType): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  const children = [def.innerType, def.element, ...((def.options as unknown[]) ?? [])];
  const shape = (def.shape ?? {}) as Record<string, z.ZodType>;
  return [
    ...Object.keys(shape),
    ...Object.values(shape).flatMap(keysOf),
    ...children.filter((c): c is z.ZodType => c !== undefined).flatMap(keysOf),
  ];
}

/** One object per distinct type/subtype/event type, so rare shapes get mutated as often. */
function representatives(objects: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const byShape = new Map<string, Record<string, unknown>>();
  for (const o of objects) {
    const event = (o.event as { type?: unknown } | undefined)?.type;
    byShape.set(`${String(o.type)}/${String(o.subtype)}/${String(event)}`, o);
  }
  return [...byShape.values()];
}

/** Every key path (plus a fresh key per object) down to depth 4: where mutations land. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || prefix.length >= 4) return [];
  const keys = Object.keys(value).slice(0, 50);
  const own = keys.flatMap((k) => [
    [...prefix, k],
    ...pathsOf((value as Record<string, unknown>)[k], [...prefix, k]),
  ]);
  return Array.isArray(value) ? own : [...own, [...prefix, 'added_key']];
}

describe('classifyMessage', () => {
  it('returns the very same object for known and unknown types', () => {
    for (const value of [init, result, assistant, { type: 'rate_limit_event', x: 1 }]) {
      expect(M.classifyMessage(value)?.message).toBe(value);
    }
  });

  it('validates known types and passes unknown types as not known, without an issue', () => {
    expect(M.classifyMessage(result)).toEqual({ message: result, known: true });
    const future = { type: 'future_event', anything: [1] };
    expect(M.classifyMessage(future)).toEqual({ message: future, known: false });
  });

  it('flags a known type that fails its schema instead of rejecting it', () => {
    const { subtype: _dropped, ...noSubtype } = result;
    expect(M.classifyMessage(noSubtype)).toEqual({
      message: noSubtype,
      known: false,
      issue: expect.stringMatching(/^result: subtype: /),
    });
    const badInit = { ...init, tools: 'Bash' };
    expect(M.classifyMessage(badInit)?.issue).toMatch(/^system: tools: /);
  });

  it('returns undefined for anything that is not an object with a string type', () => {
    for (const value of [null, 1, 'x', [], [{ type: 'x' }], {}, { type: 1 }]) {
      expect(M.classifyMessage(value)).toBeUndefined();
    }
  });

  it('accepts every recorded CLI line of a known type', () => {
    const issues = fixtureObjects.map((o) => M.classifyMessage(o)?.issue).filter(Boolean);
    expect(issues).toEqual([]);
  });
});

describe('type guards', () => {
  it('narrow valid messages and refuse invalid ones of the same type', () => {
    expect(M.isResultMessage(result)).toBe(true);
    expect(M.isResultMessage({ type: 'result', is_error: true, session_id: 's' })).toBe(false);
    expect(M.isSystemInitMessage(init)).toBe(true);
    expect(M.isSystemMessage(init)).toBe(true);
    expect(M.isSystemInitMessage({ type: 'system', subtype: 'status' })).toBe(false);
    expect(M.isSystemMessage({ type: 'system', subtype: 'status' })).toBe(true);
    expect(M.isAssistantMessage(assistant)).toBe(true);
    expect(M.isUserMessage({ type: 'user', message: { role: 'user', content: 'hi' } })).toBe(true);
    expect(M.isStreamEventMessage({ type: 'stream_event', event: { type: 'message_stop' } })).toBe(
      true,
    );
    expect(M.isUnknownTypeMessage({ type: 'rate_limit_event' })).toBe(true);
    expect(M.isUnknownTypeMessage(result)).toBe(false);
  });

  it('narrow content blocks', () => {
    const blocks: M.ContentBlock[] = [
      { type: 'text', text: 'a' },
      { type: 'thinking', thinking: '', signature: 'sig' },
      { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls' } },
      { type: 'tool_result', tool_use_id: 't1', content: 'ok' },
      { type: 'text' },
      { type: 'server_tool_use' },
    ];
    const kinds = blocks.map((b) =>
      [M.isTextBlock, M.isThinkingBlock, M.isToolUseBlock, M.isToolResultBlock].findIndex((g) =>
        g(b),
      ),
    );
    expect(kinds).toEqual([0, 1, 2, 3, -1, -1]);
  });

  it('give typed access after narrowing', () => {
    const m: M.ClaudeMessage = result;
    const summary = M.isResultMessage(m) ? `${m.subtype}/${m.is_error}/${m.session_id}` : '';
    expect(summary).toBe('success/false/s1');
  });
});
