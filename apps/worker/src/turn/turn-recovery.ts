import type { SessionEvent } from '@app/contracts';

/** A turn whose worker stopped this many times is not started again. */
export const MAX_TURN_STARTS = 3;

/**
 * Tools whose effects a re-run cannot repeat harmfully. A turn runs again from the session's
 * last checkpoint, which puts the workspace back as it was before the turn: file edits of the
 * lost attempt are undone, and reads are harmless. Anything else (Bash, MCP tools, tools this
 * list does not know) may have acted outside the workspace (a push, a deploy, a message sent),
 * so a turn that started one is failed instead of re-run.
 */
const REPLAYABLE_TOOLS: ReadonlySet<string> = new Set([
  'Read',
  'Glob',
  'Grep',
  'LS',
  'NotebookRead',
  'Write',
  'Edit',
  'MultiEdit',
  'NotebookEdit',
  'TodoWrite',
  'WebSearch',
  'WebFetch',
  'ToolSearch',
]);

/**
 * Tool calls that asked for permission and never got it (denied, or still waiting when the
 * worker died): the CLI did not run them, so they cannot make a re-run unsafe. A re-run of a
 * turn that died waiting simply asks again.
 */
export function toolUsesNotPermitted(events: readonly SessionEvent[]): Set<string> {
  const asked = new Map<string, string>();
  const allowed = new Set<string>();
  for (const event of events) {
    const data = event.data as { requestId?: unknown; toolUseId?: unknown; decision?: unknown };
    if (typeof data?.requestId !== 'string') continue;
    if (event.kind === 'permission_request' && typeof data.toolUseId === 'string') {
      asked.set(data.requestId, data.toolUseId);
    } else if (event.kind === 'permission_resolved' && data.decision !== 'deny') {
      allowed.add(data.requestId);
    }
  }
  return new Set([...asked].filter(([id]) => !allowed.has(id)).map(([, toolUseId]) => toolUseId));
}

/** The tools a turn started, in the order it started them (from its `assistant` lines). */
export function toolsStarted(events: readonly SessionEvent[]): string[] {
  const notRun = toolUsesNotPermitted(events);
  const tools: string[] = [];
  for (const event of events) {
    const line = event.data as { type?: unknown; message?: { content?: unknown } } | null;
    if (event.kind !== 'claude' || line?.type !== 'assistant') continue;
    const content = line.message?.content;
    if (!Array.isArray(content)) continue;
    for (const block of content as Array<{ type?: unknown; name?: unknown; id?: unknown }>) {
      if (block?.type !== 'tool_use' || typeof block.name !== 'string') continue;
      if (typeof block.id === 'string' && notRun.has(block.id)) continue;
      tools.push(block.name);
    }
  }
  return tools;
}

/** The tools that make running the turn again unsafe; none means it may run again. */
export function unsafeToRepeat(events: readonly SessionEvent[]): string[] {
  return [...new Set(toolsStarted(events).filter((tool) => !REPLAYABLE_TOOLS.has(tool)))];
}
