import { z } from 'zod';
import { compilePredicate, type Predicate } from './parser/schema-predicate';

/*
 * Schemas for the objects `claude --output-format stream-json` prints, one per stdout line
 * (see notes/claude-cli.md §2). The format drifts between patch releases, so every schema is
 * a loose object: it names only the fields this backend relies on and keeps everything else.
 * Nested payloads (content blocks, stream events, usage) are checked shallowly on purpose:
 * validation runs once per line on the hot path and must stay cheap next to JSON.parse. For
 * the same reason lines are checked with predicates compiled from these schemas (see
 * parser/schema-predicate.ts); zod itself only runs to explain a rejection. Schemas stay the
 * single source of both the types and the checks.
 *
 * Policy for a line whose `type` is known but which fails its schema (e.g. a `result` without
 * `subtype`): the object is never dropped and never reported as a parse error. It passes
 * through untouched, classified as `known: false` with an `issue` string (the parser puts it
 * in `schemaIssue`), so relays still forward it while the type guards refuse it: nothing can
 * mistake it for a valid `result`. Callers that must react to any `result` line whatever its
 * shape (e.g. end-of-turn bookkeeping) can still look at `message.type`.
 */

const optionalString = z.string().optional();
const nullableString = z.string().nullish();

export const UsageSchema = z.looseObject({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  cache_creation_input_tokens: z.number().optional(),
  cache_read_input_tokens: z.number().optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** Any content block; narrow with the block guards below (new block types appear often). */
export const ContentBlockSchema = z.looseObject({ type: z.string() });
export type ContentBlock = z.infer<typeof ContentBlockSchema>;

export const TextBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
export const ThinkingBlockSchema = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: optionalString,
});
export const ToolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});
export const ToolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.unknown(),
  is_error: z.boolean().optional(),
});
export type TextBlock = z.infer<typeof TextBlockSchema>;
export type ThinkingBlock = z.infer<typeof ThinkingBlockSchema>;
export type ToolUseBlock = z.infer<typeof ToolUseBlockSchema>;
export type ToolResultBlock = z.infer<typeof ToolResultBlockSchema>;

/** Fields most lines share; all optional because transcripts and old CLIs omit them. */
const envelope = {
  session_id: optionalString,
  uuid: optionalString,
  parent_tool_use_id: nullableString,
};

export const SystemMessageSchema = z.looseObject({
  ...envelope,
  type: z.literal('system'),
  subtype: z.string(),
});
export type SystemMessage = z.infer<typeof SystemMessageSchema>;

export const SystemInitMessageSchema = z.looseObject({
  ...envelope,
  type: z.literal('system'),
  subtype: z.literal('init'),
  session_id: z.string(),
  model: z.string(),
  cwd: z.string(),
  tools: z.array(z.string()),
  mcp_servers: z.array(z.looseObject({ name: z.string(), status: z.string() })).optional(),
  permissionMode: optionalString,
  apiKeySource: optionalString,
  claude_code_version: optionalString,
});
export type SystemInitMessage = z.infer<typeof SystemInitMessageSchema>;

export const AssistantMessageSchema = z.looseObject({
  ...envelope,
  type: z.literal('assistant'),
  message: z.looseObject({
    id: optionalString,
    role: z.literal('assistant'),
    model: optionalString,
    content: z.array(ContentBlockSchema),
    stop_reason: nullableString,
    usage: UsageSchema.nullish(),
  }),
  error: optionalString,
  aborted: z.boolean().optional(),
});
export type AssistantMessage = z.infer<typeof AssistantMessageSchema>;

export const UserMessageSchema = z.looseObject({
  ...envelope,
  type: z.literal('user'),
  message: z.looseObject({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(ContentBlockSchema)]),
  }),
});
export type UserMessage = z.infer<typeof UserMessageSchema>;

export const StreamEventMessageSchema = z.looseObject({
  ...envelope,
  type: z.literal('stream_event'),
  event: z.looseObject({ type: z.string() }),
});
export type StreamEventMessage = z.infer<typeof StreamEventMessageSchema>;

export const ResultMessageSchema = z.looseObject({
  ...envelope,
  type: z.literal('result'),
  subtype: z.string(),
  is_error: z.boolean(),
  session_id: z.string(),
  usage: UsageSchema.optional(),
  total_cost_usd: z.number().optional(),
  num_turns: z.number().optional(),
  duration_ms: z.number().optional(),
  result: optionalString,
  errors: z.array(z.string()).optional(),
  stop_reason: nullableString,
  terminal_reason: optionalString,
});
export type ResultMessage = z.infer<typeof ResultMessageSchema>;

/** Any other object with a string `type` (rate_limit_event, control_response, future types…). */
export const UnknownMessageSchema = z.looseObject({ type: z.string() });
export type UnknownMessage = z.infer<typeof UnknownMessageSchema>;

export type KnownMessage =
  | SystemMessage
  | SystemInitMessage
  | AssistantMessage
  | UserMessage
  | StreamEventMessage
  | ResultMessage;

/** Every line object. `UnknownMessage` has `type: string`, so narrow with the guards. */
export type ClaudeMessage = KnownMessage | UnknownMessage;

/** Outcome of `classifyMessage`: the input object itself (never a copy) plus its verdict. */
export interface ClassifiedMessage {
  message: ClaudeMessage;
  /** True when `type` is known and the object passed that type's schema. */
  known: boolean;
  /** Set when `type` is known but the schema rejected the object (first issue only). */
  issue?: string;
}

export function isTypedObject(value: unknown): value is UnknownMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

interface Validator {
  schema: z.ZodType;
  check: Predicate;
}

const validator = (schema: z.ZodType): Validator => ({ schema, check: compilePredicate(schema) });
const SYSTEM = validator(SystemMessageSchema);
const SYSTEM_INIT = validator(SystemInitMessageSchema);
const BY_TYPE = new Map<string, Validator>([
  ['assistant', validator(AssistantMessageSchema)],
  ['user', validator(UserMessageSchema)],
  ['stream_event', validator(StreamEventMessageSchema)],
  ['result', validator(ResultMessageSchema)],
]);

function validatorFor(m: UnknownMessage): Validator | undefined {
  if (m.type === 'system') return m.subtype === 'init' ? SYSTEM_INIT : SYSTEM;
  return BY_TYPE.get(m.type);
}

const conforms = (m: UnknownMessage): boolean => validatorFor(m)?.check(m) ?? false;

function describeIssue(type: string, error: z.ZodError | undefined): string {
  const first = error?.issues[0];
  const path = first !== undefined && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return `${type}: ${path}${first?.message ?? 'invalid'}`;
}

/**
 * Validates a parsed JSON value against the schema of its `type`. Returns undefined when the
 * value is not an object with a string `type`; otherwise the same object, never rewritten.
 * The fast path is a compiled predicate; zod itself runs only to describe a rejection.
 */
export function classifyMessage(value: unknown): ClassifiedMessage | undefined {
  if (!isTypedObject(value)) return undefined;
  const found = validatorFor(value);
  if (found === undefined) return { message: value, known: false };
  if (found.check(value)) return { message: value, known: true };
  const issue = describeIssue(value.type, found.schema.safeParse(value).error);
  return { message: value, known: false, issue };
}

export const isSystemMessage = (m: ClaudeMessage): m is SystemMessage =>
  m.type === 'system' && conforms(m);
export const isSystemInitMessage = (m: ClaudeMessage): m is SystemInitMessage =>
  m.type === 'system' && m.subtype === 'init' && conforms(m);
export const isAssistantMessage = (m: ClaudeMessage): m is AssistantMessage =>
  m.type === 'assistant' && conforms(m);
export const isUserMessage = (m: ClaudeMessage): m is UserMessage =>
  m.type === 'user' && conforms(m);
export const isStreamEventMessage = (m: ClaudeMessage): m is StreamEventMessage =>
  m.type === 'stream_event' && conforms(m);
export const isResultMessage = (m: ClaudeMessage): m is ResultMessage =>
  m.type === 'result' && conforms(m);
/** True for every type this module has no schema for (the object is still a valid line). */
export const isUnknownTypeMessage = (m: ClaudeMessage): boolean => validatorFor(m) === undefined;

const isText = compilePredicate(TextBlockSchema);
const isThinking = compilePredicate(ThinkingBlockSchema);
const isToolUse = compilePredicate(ToolUseBlockSchema);
const isToolResult = compilePredicate(ToolResultBlockSchema);

export const isTextBlock = (b: ContentBlock): b is TextBlock => isText(b);
export const isThinkingBlock = (b: ContentBlock): b is ThinkingBlock => isThinking(b);
export const isToolUseBlock = (b: ContentBlock): b is ToolUseBlock => isToolUse(b);
export const isToolResultBlock = (b: ContentBlock): b is ToolResultBlock => isToolResult(b);
