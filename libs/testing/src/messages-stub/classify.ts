import type { StubRequestKind } from './types';

/*
 * How claude 2.1.331 uses ANTHROPIC_BASE_URL (probed by logging every request):
 * - `HEAD /api/hello` once at start-up (reachability probe), only without
 *   CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1. Answered 200.
 * - `POST /v1/messages?beta=true`, always `stream: true`, one per model round trip. Main-loop
 *   requests carry `tools` (non-empty unless `--tools ""`), `thinking`, `context_management`,
 *   `metadata` and `output_config.effort`; messages may include `role: "system"` entries.
 * - Helper calls go to the same endpoint and model (no small model is configured offline):
 *   `/rename` sends `tools: []`, no `thinking`/`context_management`, a "You are Claude Code"
 *   system prompt and `output_config.format` (json_schema). In -p mode with the offline env no
 *   other helper (title, topic, quota, summaries, memory extraction) was seen: they are behind
 *   feature flags that cannot be fetched offline.
 * - Compaction (`/compact`, auto-compact) looks like a main-loop request (same tools/thinking)
 *   whose last user message starts with "CRITICAL: Respond with TEXT ONLY"; it expects a
 *   `<summary>` block and is sent again if none comes back.
 * - `count_tokens` was never called in these flows; the stub still serves it.
 */
const COMPACTION_MARKER = 'CRITICAL: Respond with TEXT ONLY';

export function classifyRequest(method: string, path: string, body: unknown): StubRequestKind {
  if (method === 'POST' && path === '/v1/messages/count_tokens') return 'count_tokens';
  if (method !== 'POST' || path !== '/v1/messages' || !isRecord(body)) return 'other';
  if (isCompaction(body)) return 'compaction';
  return isMainLoop(body) ? 'conversation' : 'auxiliary';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMainLoop(body: Record<string, unknown>): boolean {
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  return hasTools || body.thinking !== undefined || body.context_management !== undefined;
}

function isCompaction(body: Record<string, unknown>): boolean {
  if (!Array.isArray(body.messages)) return false;
  const last: unknown = body.messages[body.messages.length - 1];
  if (!isRecord(last) || last.role !== 'user') return false;
  return firstText(last.content).startsWith(COMPACTION_MARKER);
}

function firstText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const block: unknown = content.find((b) => isRecord(b) && typeof b.text === 'string');
  return isRecord(block) ? String(block.text) : '';
}
