import type { StubReply } from './types';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
};

/**
 * Default answer for helper calls. Helpers that ask for structured output
 * (`output_config.format.type: "json_schema"`, e.g. `/rename`) get the smallest JSON that
 * satisfies the schema, so the CLI accepts it instead of retrying or failing.
 */
export function auxiliaryReplyFor(body: unknown, fallback: StubReply): StubReply {
  const schema = structuredOutputSchema(body);
  if (!schema) return fallback;
  return { text: JSON.stringify(sampleFor(schema)) };
}

function structuredOutputSchema(body: unknown): JsonSchema | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const config = (body as { output_config?: { format?: { type?: string; schema?: JsonSchema } } })
    .output_config;
  const format = config?.format;
  return format?.type === 'json_schema' ? format.schema : undefined;
}

function sampleFor(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        (schema.required ?? Object.keys(schema.properties ?? {})).map((key) => [
          key,
          sampleFor(schema.properties?.[key] ?? {}),
        ]),
      );
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return 'stub';
  }
}
