import type { z } from 'zod';

/*
 * Compiles a zod schema into a plain boolean predicate. safeParse on a loose object rebuilds
 * the object key by key (it cost about 40% of JSON.parse per CLI line); the parser only needs
 * a yes/no, so it runs these predicates and keeps the original object. Only the subset of zod
 * used in messages.ts is supported; anything else (refinements, transforms, strict objects…)
 * throws at module load, so a schema edit can never make the two verdicts silently differ.
 * messages.spec.ts checks predicate == safeParse().success on real and mutated lines.
 */

export type Predicate = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: unknown[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  values?: readonly unknown[];
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function unsupported(def: Def): Error {
  return new Error(`compilePredicate: unsupported zod schema '${def.type}'`);
}

function compileObject(def: Def): Predicate {
  const catchall = def.catchall === undefined ? 'strip' : defOf(def.catchall).type;
  if (catchall !== 'strip' && catchall !== 'unknown') throw unsupported(def);
  const fields = Object.entries(def.shape ?? {}).map(
    ([key, schema]) => [key, compilePredicate(schema)] as const,
  );
  return (v) => {
    if (!isObject(v)) return false;
    for (const [key, check] of fields) if (!check(v[key])) return false;
    return true;
  };
}

function compileArray(element: Predicate): Predicate {
  return (v) => {
    if (!Array.isArray(v)) return false;
    for (const item of v) if (!element(item)) return false;
    return true;
  };
}

function compileWrapper(def: Def): Predicate {
  const inner = compilePredicate(def.innerType as z.ZodType);
  if (def.type === 'optional') return (v) => v === undefined || inner(v);
  return (v) => v === null || inner(v);
}

export function compilePredicate(schema: z.ZodType): Predicate {
  const def = defOf(schema);
  if (def.checks !== undefined && def.checks.length > 0) throw unsupported(def);
  switch (def.type) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'number': // zod 4 rejects NaN and ±Infinity (JSON.parse('1e999') is Infinity)
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'unknown':
      return () => true;
    case 'literal': {
      const values = def.values ?? [];
      return (v) => values.includes(v);
    }
    case 'optional':
    case 'nullable':
      return compileWrapper(def);
    case 'array':
      return compileArray(compilePredicate(def.element as z.ZodType));
    case 'union': {
      const options = (def.options ?? []).map(compilePredicate);
      return (v) => options.some((check) => check(v));
    }
    case 'object':
      return compileObject(def);
    default:
      throw unsupported(def);
  }
}
