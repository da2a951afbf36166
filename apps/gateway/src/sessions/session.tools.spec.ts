import { MemoryApprovals, resultLine } from '../../../../test/support/memory';
import { call, sessionSystem } from '../../../../test/support/memory/memory-sessions';
import type { CheckpointService } from '../checkpoints/checkpoint.service';
import { checkpointTools } from '../checkpoints/checkpoint.tools';
import { answerOf } from '../mcp/tool-calls';
import type { ToolContext, ToolDefinition } from '../mcp/toolset';
import { listingOf } from '../mcp/server-factory';
import type { WorkspaceService } from '../workspaces/workspace.service';
import { workspaceTools } from '../workspaces/workspace.tools';
import { ApprovalService } from './approval.service';
import { approvalTools } from './approval.tools';
import { sessionTools } from './session.tools';

/**
 * The tool surface a model sees: every tool says how it behaves, what it answers and what each
 * argument means; every answer parses with the advertised output schema and opens with a text
 * that says what happened.
 */
function toolset(s = sessionSystem()) {
  const approvals = new ApprovalService({
    sessions: s.sessions,
    approvals: new MemoryApprovals(),
    control: s.bus.endpoint(),
  });
  const tools = [
    ...sessionTools(s.service, approvals),
    ...approvalTools(approvals),
    ...checkpointTools({} as CheckpointService),
    ...workspaceTools({} as WorkspaceService),
  ];
  return { tools, byName: new Map(tools.map((t) => [t.name, t])), ...s };
}

/** Runs a tool as tools/call does and checks its structuredContent against its own schema. */
async function callChecked(
  tool: ToolDefinition | undefined,
  args: Record<string, unknown>,
  ctx: Partial<ToolContext> = {},
) {
  if (!tool?.output) throw new Error('no such tool, or no output schema');
  const parsedArgs = tool.input.parse(args);
  const structured = await tool.handler(parsedArgs, {
    protocolVersion: '2026-07-28',
    ...call(),
    ...ctx,
  } as ToolContext);
  const wire = JSON.parse(JSON.stringify(structured)) as Record<string, unknown>;
  // Parsing drops unknown keys: equality catches a key the schema (and clients) do not know.
  expect(tool.output.parse(wire)).toEqual(wire);
  return answerOf(tool, parsedArgs, structured);
}

function textOf(result: { content: Array<{ type: string; text?: string }> }): string {
  return result.content[0]?.type === 'text' ? (result.content[0].text ?? '') : '';
}

/** Every property of a JSON Schema, at any depth, with its path. */
function properties(schema: unknown, at = ''): Array<{ path: string; schema: unknown }> {
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as Record<string, unknown>;
  const found: Array<{ path: string; schema: unknown }> = [];
  for (const [name, child] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) {
    found.push({ path: `${at}.${name}`, schema: child }, ...properties(child, `${at}.${name}`));
  }
  for (const key of ['items', 'additionalProperties']) found.push(...properties(s[key], at));
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    for (const branch of (s[key] ?? []) as unknown[]) found.push(...properties(branch, at));
  }
  return found;
}

describe('the tool surface', () => {
  const { tools } = toolset();
  const listing = listingOf(tools);

  it('advertises annotations and an output schema for every tool', () => {
    for (const tool of listing) {
      expect({ name: tool.name, annotations: tool.annotations }).toEqual({
        name: tool.name,
        annotations: expect.objectContaining({ readOnlyHint: expect.any(Boolean) }),
      });
      expect(tool.outputSchema).toMatchObject({ type: 'object' });
      expect(tool.title).toEqual(expect.any(String));
    }
    const hints = Object.fromEntries(listing.map((t) => [t.name, t.annotations]));
    const readOnly = listing.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name);
    expect(readOnly.sort()).toEqual([
      'checkpoint_list',
      'session_events',
      'session_list',
      'session_status',
      'workspace_diff',
      'workspace_list',
      'workspace_read',
    ]);
    expect(hints.session_terminate).toMatchObject({ destructiveHint: true });
    expect(hints.session_interrupt).toMatchObject({ idempotentHint: true, destructiveHint: false });
    expect(tools.every((t) => t.answer)).toBe(true);
  });

  it('describes every input property, at every depth', () => {
    const undescribed = listing.flatMap((tool) =>
      properties(tool.inputSchema)
        .filter(({ schema }) => !(schema as { description?: string }).description)
        .map(({ path }) => `${tool.name}${path}`),
    );
    expect(undescribed).toEqual([]);
    // The walk reaches nested seeds and array items, not only the top level.
    const walked = listing.flatMap((tool) => properties(tool.inputSchema).map((p) => p.path));
    expect(walked).toEqual(expect.arrayContaining(['.workspace.git.url', '.workspace.files.path']));
  });

  it('tells a model when to wait, when tasks serve, and when to follow cursors', () => {
    for (const name of ['session_start', 'session_send']) {
      const { description } = listing.find((t) => t.name === name) ?? {};
      expect(description).toMatch(/wait: true .*short turns/);
      expect(description).toMatch(/progressToken.*params\.message/);
      expect(description).toMatch(/io\.modelcontextprotocol\/tasks/);
      expect(description).toMatch(/long turns.*session_events/);
    }
  });
});

describe('the session tools’ answers', () => {
  it('a waited turn opens with Claude’s answer, then one status line', async () => {
    const s = toolset();
    const start = s.byName.get('session_start');
    const waited = callChecked(start, { prompt: 'hello', wait: true });
    const { cli, outcome } = await s.takeTurn();
    await cli.finish(resultLine({ result: 'The answer is 42.', total_cost_usd: 0.0123 }));
    await outcome;
    const answer = await waited;
    expect(answer.isError).toBeUndefined();
    const text = textOf(answer);
    expect(text.startsWith('The answer is 42.\n\n[turn 1 of session ')).toBe(true);
    expect(text).toMatch(/: idle, .*\$0\.0123; it takes the next message/);
    expect(text).not.toContain('"type"');
    expect(answer.structuredContent).toMatchObject({
      status: 'idle',
      result: { type: 'result', result: 'The answer is 42.' },
    });
  });

  it('a turn whose result is an error (an API 529 reported as "success") is a tool error', async () => {
    const s = toolset();
    const { sessionId } = await s.service.start({ prompt: 'one' }, call());
    const first = await s.takeTurn();
    await first.cli.finish();
    await first.outcome;
    const waited = callChecked(s.byName.get('session_send'), {
      sessionId,
      message: 'two',
      wait: true,
    });
    const { cli } = await s.takeTurn();
    await cli.finish(
      resultLine({
        subtype: 'success',
        is_error: true,
        result: 'API Error: 529 Overloaded',
        api_error_status: 529,
        api_error_type: 'overloaded_error',
      }),
    );
    const answer = await waited;
    expect(answer.isError).toBe(true);
    expect(textOf(answer)).toMatch(
      new RegExp(
        `^Turn 2 of session ${sessionId} failed\\. The Anthropic API answered 529 ` +
          '\\(overloaded_error\\): API Error: 529 Overloaded\\. .*temporary.*session_send',
      ),
    );
    // The client can still act on where the session stands.
    expect(answer.structuredContent).toMatchObject({ status: 'idle', turn: 2 });
  });

  it('a failed turn says what failed and what to do', async () => {
    const s = toolset();
    const waited = callChecked(s.byName.get('session_start'), { prompt: 'x', wait: true });
    const { cli, outcome } = await s.takeTurn();
    await cli.crash();
    await outcome;
    const answer = await waited;
    expect(answer.isError).toBe(true);
    expect(textOf(answer)).toMatch(
      /^Turn 1 of session \S+ failed\. .+ send it again with session_send/,
    );
    expect(answer.structuredContent).toMatchObject({ status: 'failed', errorCode: 'cli_failed' });
  });

  it('session_interrupt says what it did', async () => {
    const s = toolset();
    const interrupt = s.byName.get('session_interrupt');
    const { sessionId } = await s.service.start({ prompt: 'hello' }, call());
    expect(textOf(await callChecked(interrupt, { sessionId }))).toBe(
      `Turn 1 of session ${sessionId} was still queued: it was dropped before it ran; the ` +
        'session is idle and takes the next message.',
    );
    expect(textOf(await callChecked(interrupt, { sessionId }))).toBe(
      `No turn of session ${sessionId} was running or queued; nothing to interrupt (the ` +
        'session is idle and takes the next message).',
    );
    await s.service.send({ sessionId, message: 'again' }, call());
    const { outcome } = await s.takeTurn();
    const answer = await callChecked(interrupt, { sessionId });
    await outcome;
    expect(textOf(answer)).toBe(
      `Interrupted turn 2 of session ${sessionId}; the session is idle and takes the next message.`,
    );
    expect(answer.structuredContent).toEqual({ status: 'idle', outcome: 'interrupted', turn: 2 });
  });

  it('every other session tool answers within its schema, saying what it found', async () => {
    const s = toolset();
    const { sessionId } = await s.service.start({ prompt: 'hello' }, call());
    const { cli, outcome } = await s.takeTurn();
    await cli.finish();
    await outcome;
    const status = await callChecked(s.byName.get('session_status'), { sessionId });
    expect(textOf(status)).toMatch(new RegExp(`^Session ${sessionId} is idle: 1 turn,`));
    const list = await callChecked(s.byName.get('session_list'), {});
    expect(textOf(list)).toMatch(/^1 session, newest first:\n/);
    const events = await callChecked(s.byName.get('session_events'), { sessionId });
    expect(textOf(events)).toMatch(/^4 events of session .* \(status idle\)\.\n\{"id"/);
    expect(textOf(events)).toMatch(/Read on with session_events \{ after: "[^"]+" \}\.$/);
    const terminated = await callChecked(s.byName.get('session_terminate'), { sessionId });
    expect(textOf(terminated)).toMatch(/is terminated: its process stops/);
  });

  it('session_respond answers within its schema', async () => {
    const s = toolset();
    const approvals = new MemoryApprovals();
    const service = new ApprovalService({
      sessions: s.sessions,
      approvals,
      control: s.bus.endpoint(),
    });
    const [respond] = approvalTools(service);
    const session = await s.sessions.create('acme', { permissions: 'ask' });
    await s.sessions.transition(session.id, 'running');
    await s.sessions.transition(session.id, 'waiting');
    await approvals.open(session.id, {
      requestId: 'r1',
      tool: 'Bash',
      input: { command: 'ls' },
      suggestions: [],
      deadline: Date.now() + 60_000,
      turn: 1,
      signature: 'sig',
      createdAt: Date.now(),
    });
    const answer = await callChecked(respond, {
      sessionId: session.id,
      requestId: 'r1',
      decision: 'allow',
    });
    expect(textOf(answer)).toMatch(/^Answered r1 with allow; session \S+ is waiting\./);
  });
});
