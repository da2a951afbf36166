import { WorkspaceDiffInput, WorkspaceListInput, WorkspaceReadInput } from '@app/contracts';
import { defineTool, type ToolDefinition } from '../mcp/toolset';
import type { WorkspaceService } from './workspace.service';

/** workspace_list, workspace_read and workspace_diff (DESIGN.md, names fixed). */
export function workspaceTools(workspaces: WorkspaceService): ToolDefinition[] {
  return [
    defineTool({
      name: 'workspace_list',
      description:
        "The files of a session's workspace as of a checkpoint (default: the latest), optionally under `path`.",
      input: WorkspaceListInput,
      handler: (args, ctx) =>
        workspaces.list(ctx.tenant, args.sessionId, args.checkpointId, args.path),
    }),
    defineTool({
      name: 'workspace_read',
      description:
        "A file of a session's workspace as of a checkpoint (default: the latest); utf8 text or base64. `offset`/`length` read a range (default: the first MiB).",
      input: WorkspaceReadInput,
      handler: (args, ctx) => workspaces.read(ctx.tenant, args),
    }),
    defineTool({
      name: 'workspace_diff',
      description:
        "A unified diff of a session's workspace between two checkpoints (default: from its seed to the latest). Binary and very large files are listed, not shown.",
      input: WorkspaceDiffInput,
      handler: (args, ctx) => workspaces.diff(ctx.tenant, args.sessionId, args.from, args.to),
    }),
  ];
}
