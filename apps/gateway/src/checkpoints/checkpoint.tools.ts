import { CheckpointCreateInput, SessionIdInput } from '@app/contracts';
import { defineTool, type ToolDefinition } from '../mcp/toolset';
import { CheckpointCreateOutput, CheckpointListOutput } from './checkpoint.outputs';
import type { CheckpointService } from './checkpoint.service';

/** checkpoint_create and checkpoint_list (DESIGN.md, names fixed). */
export function checkpointTools(checkpoints: CheckpointService): ToolDefinition[] {
  return [
    defineTool({
      name: 'checkpoint_create',
      title: 'Checkpoint a session',
      description:
        'Checkpoint a session as of its last completed turn (transcript and workspace, ' +
        'content-addressed; a running turn is waited for up to a minute). Restore or fork it ' +
        'with session_start { checkpointId }.',
      // Each call stores a new checkpoint (its own creation time), of the same state.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      input: CheckpointCreateInput,
      output: CheckpointCreateOutput,
      handler: (args, ctx) =>
        checkpoints.create(ctx.tenant, args.sessionId, args.label, ctx.signal),
      answer: (r, args) => ({
        text:
          `Checkpoint ${r.checkpointId} of session ${args.sessionId}` +
          `${args.label ? ` ("${args.label}")` : ''}: ${r.bytes} bytes of state, ` +
          `${r.storedBytes} stored, ${r.newBytes} new. Fork or restore it with ` +
          `session_start { checkpointId: "${r.checkpointId}" }.`,
      }),
    }),
    defineTool({
      name: 'checkpoint_list',
      title: 'List checkpoints',
      description:
        'The checkpoints of a session, oldest first (one is taken automatically after every turn).',
      annotations: { readOnlyHint: true, openWorldHint: false },
      input: SessionIdInput,
      output: CheckpointListOutput,
      handler: (args, ctx) => checkpoints.list(ctx.tenant, args.sessionId),
      answer: (r, args) => ({
        text:
          r.checkpoints.length === 0
            ? `Session ${args.sessionId} has no checkpoint yet (one is taken after each turn).`
            : `${r.checkpoints.length} checkpoints of session ${args.sessionId}, oldest first:\n` +
              r.checkpoints
                .map(
                  (c) =>
                    `${c.checkpointId} turn ${c.turn}, ${c.bytes} bytes, ${c.createdAt}` +
                    (c.label ? ` "${c.label}"` : ''),
                )
                .join('\n'),
      }),
    }),
  ];
}
