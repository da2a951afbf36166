import { z } from 'zod';
import type { ToolDefinition } from '../mcp/toolset';
import { ApiError, invalidArguments } from './api-error';
import type { ApiMethod } from './api-routes';

/**
 * A route template bound to the input schema of its tool: which arguments come from the path
 * and which from the query string or the body, each part validated by the tool's own schema
 * (`pick` and `omit` of it), so a sessionId in a body is refused like any unknown key.
 */
export class RouteBinding {
  readonly pathKeys: readonly string[];
  /** The tool's input minus the path parameters: the query string or the body. */
  readonly rest: z.ZodObject;
  readonly pathSchema: z.ZodObject;
  private readonly pattern: RegExp;
  private readonly numericKeys: ReadonlySet<string>;
  private readonly booleanKeys: ReadonlySet<string>;

  constructor(
    readonly method: ApiMethod,
    readonly path: string,
    input: ToolDefinition['input'],
    /** Input keys the route does not take (e.g. the event stream's page size). */
    leftOut: readonly string[] = [],
  ) {
    this.pathKeys = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    this.pathSchema = input.pick(mask(this.pathKeys));
    const rest: z.ZodObject = input.omit(mask(this.pathKeys));
    this.rest = leftOut.length > 0 ? rest.omit(mask(leftOut)) : rest;
    this.pattern = new RegExp(`^${path.replace(/\{\w+\}/g, '([^/]+)').replace(/\//g, '\\/')}$`);
    const types = propertyTypes(this.rest);
    this.numericKeys = new Set(
      types.filter(([, t]) => t === 'integer' || t === 'number').map(([k]) => k),
    );
    this.booleanKeys = new Set(types.filter(([, t]) => t === 'boolean').map(([k]) => k));
  }

  /** Where the rest of the arguments come from. */
  get source(): 'query' | 'body' {
    return this.method === 'POST' ? 'body' : 'query';
  }

  /** The path parameters when the path is this route's (undecoded), else undefined. */
  match(pathname: string): string[] | undefined {
    return this.pattern.exec(pathname)?.slice(1);
  }

  /** The tool's arguments from the path values and the query or body; 400 when they do not fit. */
  arguments(values: string[], query: URLSearchParams, body: unknown): Record<string, unknown> {
    const params = Object.fromEntries(this.pathKeys.map((key, i) => [key, decode(values[i])]));
    const path = this.pathSchema.safeParse(params);
    if (!path.success) throw invalidArguments(`path of ${this.method} ${this.path}`, path.error);
    // No body at all is an empty one; a `null` body is not an object and is refused as such.
    const source =
      this.source === 'body' ? (body === undefined ? {} : body) : this.fromQuery(query);
    const rest = this.rest.safeParse(source);
    if (!rest.success)
      throw invalidArguments(`${this.source} of ${this.method} ${this.path}`, rest.error);
    return { ...rest.data, ...path.data };
  }

  /**
   * The query string as the schema's types: numbers and booleans are written as text there. A
   * repeated parameter stays a list, which the schema refuses by name.
   */
  private fromQuery(query: URLSearchParams): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    for (const key of new Set(query.keys())) {
      const values = query.getAll(key).map((v) => this.typed(key, v));
      args[key] = values.length === 1 ? values[0] : values;
    }
    return args;
  }

  private typed(key: string, value: string): unknown {
    if (this.numericKeys.has(key) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
    if (this.booleanKeys.has(key) && (value === 'true' || value === 'false'))
      return value === 'true';
    return value;
  }
}

function mask(keys: readonly string[]): Record<string, true> {
  return Object.fromEntries(keys.map((key) => [key, true] as const));
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(
      400,
      'InvalidArguments',
      `Invalid path: ${JSON.stringify(segment.slice(0, 200))} is not valid percent-encoding`,
    );
  }
}

/** Each property's JSON Schema type (undefined for unions and the like). */
function propertyTypes(schema: z.ZodObject): Array<[string, string | undefined]> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { type?: unknown }>;
  };
  return Object.entries(json.properties ?? {}).map(([key, property]) => [
    key,
    typeof property.type === 'string' ? property.type : undefined,
  ]);
}
