/** Shapes of the scripted Anthropic Messages API stub: what a test scripts and what it can inspect. */

export interface StubTextBlock {
  type: 'text';
  text: string;
}

export interface StubToolUseBlock {
  type: 'tool_use';
  name: string;
  input: Record<string, unknown>;
  /** Defaults to a deterministic `toolu_stub_<n>`. */
  id?: string;
}

export interface StubThinkingBlock {
  type: 'thinking';
  thinking: string;
}

export type StubBlock = StubTextBlock | StubToolUseBlock | StubThinkingBlock;

export interface StubApiError {
  /** HTTP status: 400, 401, 403, 404, 413, 429, 500, 529, ... */
  status: number;
  /** Anthropic error type; derived from the status when absent. */
  type?: string;
  message?: string;
  /** Sent as `retry-after` (seconds); defaults to 0 for 429/529. */
  retryAfterSeconds?: number;
  /** Sent as `x-should-retry`, the header the Anthropic SDK obeys over its status rules. */
  shouldRetry?: boolean;
}

export interface StubUsage {
  input_tokens?: number;
  output_tokens?: number;
}

/**
 * One scripted answer. Blocks are taken from `blocks` when given, otherwise from
 * `thinking`, `text` and `toolUse` in that order (text before a tool call is the usual shape).
 */
export interface StubReply {
  text?: string;
  toolUse?: Omit<StubToolUseBlock, 'type'>;
  thinking?: string;
  blocks?: StubBlock[];
  /** Defaults to `tool_use` when a tool block is present, else `end_turn`. */
  stopReason?: string;
  usage?: StubUsage;
  /** Delay before each SSE delta; text is split into word-sized deltas either way. */
  tokenDelayMs?: number;
  /** Answer with an Anthropic error JSON instead of a message. */
  error?: StubApiError;
  /** Destroy the socket after this many SSE events were written (streaming only). */
  dropAfterEvents?: number;
  /** Overrides the model echoed back (defaults to the requested model). */
  model?: string;
}

/** Which traffic a request belongs to; only `conversation` requests consume the script. */
export type StubRequestKind =
  'conversation' | 'compaction' | 'auxiliary' | 'count_tokens' | 'other';

export interface ApiMessage {
  role: 'user' | 'assistant' | string;
  content: string | Array<Record<string, unknown>>;
}

export interface MessagesRequestBody {
  model: string;
  messages: ApiMessage[];
  system?: unknown;
  tools?: Array<{ name: string } & Record<string, unknown>>;
  stream?: boolean;
  max_tokens?: number;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string (`/v1/messages`). */
  path: string;
  /** Raw query string without `?` (the CLI sends `beta=true`). */
  query: string;
  /** Lower-cased headers; `x-api-key` and `authorization` are redacted. */
  headers: Record<string, string>;
  /** Parsed JSON body, or undefined when empty or not JSON. */
  body: unknown;
  kind: StubRequestKind;
  receivedAt: number;
}

/** A scripted reply, or a function deciding the reply from the request that asks for it. */
export type StubReplySource =
  StubReply | ((request: RecordedRequest) => StubReply | Promise<StubReply>);
