import { WorkspaceDiffInput, WorkspaceListInput, WorkspaceReadInput } from '@app/contracts';
import { counted, defineTool, type ToolDefinition } from '../mcp/toolset';
import { WorkspaceDiffOutput, WorkspaceListOutput, WorkspaceReadOutput } from './workspace.outputs';
import type { WorkspaceService } from './workspace.service';

/** Reads of a stored checkpoint: nothing changes, and the same call answers the same. */
const READ_ONLY = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

/** workspace_list, workspace_read and workspace_diff (DESIGN.md, names fixed). */
export function workspaceTools(workspaces: WorkspaceService): ToolDefinition[] {
  return [
    defineTool({
      name: 'workspace_list',
      title: 'List workspace files',
      description:
        "The files of a session's workspace as of a checkpoint (default: the latest), optionally under `path`.",
      annotations: READ_ONLY,
      input: WorkspaceListInput,
      output: WorkspaceListOutput,
      handler: (args, ctx) =>
        workspaces.list(ctx.tenant, args.sessionId, args.checkpointId, args.path),
      answer: (r) => ({
        text:
          `${counted(r.entries.length, 'entry', 'entries')} as of checkpoint ${r.checkpointId}` +
          `${r.truncated ? ' (truncated: narrow with path)' : ''}:\n` +
          r.entries.map((e) => `${e.type === 'dir' ? `${e.path}/` : e.path} ${e.size}`).join('\n'),
      }),
    }),
    defineTool({
      name: 'workspace_read',
      title: 'Read a workspace file',
      description:
        "A file of a session's workspace as of a checkpoint (default: the latest); utf8 text or base64. `offset`/`length` read a range (default: the first MiB).",
      annotations: READ_ONLY,
      input: WorkspaceReadInput,
      output: WorkspaceReadOutput,
      handler: (args, ctx) => workspaces.read(ctx.tenant, args),
      // A text file's content is the answer itself; bytes stay in structuredContent only.
      answer: (r) => ({
        text:
          r.encoding === 'utf8'
            ? `${r.path} (${r.size} bytes, checkpoint ${r.checkpointId}):\n${r.content}`
            : `${r.path} is binary (${r.size} bytes, checkpoint ${r.checkpointId}): its bytes are base64 in structuredContent.content.`,
      }),
    }),
    defineTool({
      name: 'workspace_diff',
      title: 'Diff the workspace',
      description:
        "A unified diff of a session's workspace between two checkpoints (default: from its seed to the latest). Binary and very large files are listed, not shown.",
      annotations: READ_ONLY,
      input: WorkspaceDiffInput,
      output: WorkspaceDiffOutput,
      handler: (args, ctx) => workspaces.diff(ctx.tenant, args.sessionId, args.from, args.to),
      answer: (r) => ({
        text:
          r.files.length === 0
            ? `No changes from ${r.from} to ${r.to}.`
            : `${counted(r.files.length, 'file')} changed from ${r.from} to ${r.to}` +
              `${r.truncated ? ' (truncated)' : ''}: ` +
              r.files.map((f) => `${f.path} ${f.change}`).join(', ') +
              `\n${r.diff}`,
      }),
    }),
  ];
}
