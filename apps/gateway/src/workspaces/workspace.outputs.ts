import { z } from 'zod';

/** structuredContent of the workspace tools, advertised as their outputSchema. */

const checkpointId = z.string().describe('The checkpoint the workspace was read from.');

export const WorkspaceListOutput = z.object({
  checkpointId,
  entries: z.array(
    z.object({
      path: z.string(),
      type: z.enum(['file', 'dir', 'symlink']),
      size: z.number().int().describe('Bytes of a file or of a symlink’s target; 0 for a dir.'),
      mode: z.number().int(),
      target: z.string().optional().describe('A symlink’s target.'),
    }),
  ),
  truncated: z.boolean().describe('More entries exist than were listed: narrow with `path`.'),
});

export const WorkspaceReadOutput = z.object({
  checkpointId,
  path: z.string(),
  type: z.enum(['file', 'symlink']),
  size: z.number().int().describe('The whole file’s size, whatever range was read.'),
  encoding: z.enum(['utf8', 'base64']),
  content: z.string(),
});

export const WorkspaceDiffOutput = z.object({
  from: z.string().describe('A checkpoint id, or "seed" (the workspace the session started on).'),
  to: checkpointId,
  diff: z.string().describe('Unified diff.'),
  files: z.array(
    z.object({
      path: z.string(),
      change: z.enum(['added', 'deleted', 'modified', 'type_changed', 'mode_changed']),
      binary: z.boolean().optional().describe('Listed, not shown: binary on either side.'),
      tooLarge: z.boolean().optional().describe('Listed, not shown: too large on either side.'),
    }),
  ),
  truncated: z.boolean(),
});
