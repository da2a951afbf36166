import { CheckpointCreateInput, SessionIdInput } from '@app/contracts';
import { defineTool, type ToolDefinition } from '../mcp/toolset';
import type { CheckpointService } from './checkpoint.service';

/** checkpoint_create and checkpoint_list (DESIGN.md, names fixed). */
export function checkpointTools(checkpoints: CheckpointService): ToolDefinition[] {
  return [
    defineTool({
      name: 'checkpoint_create',
      description:
        'Checkpoint a session as of its last completed turn (transcript and state, content-addressed). Restore or fork it with session_start { checkpointId }.',
      input: CheckpointCreateInput,
      handler: (args, ctx) =>
        checkpoints.create(ctx.tenant, args.sessionId, args.label, ctx.signal),
    }),
    defineTool({
      name: 'checkpoint_list',
      description:
        'The checkpoints of a session, oldest first (one is taken automatically after every turn).',
      input: SessionIdInput,
      handler: (args, ctx) => checkpoints.list(ctx.tenant, args.sessionId),
    }),
  ];
}
