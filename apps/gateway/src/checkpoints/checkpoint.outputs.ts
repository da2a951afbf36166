import { z } from 'zod';

/** structuredContent of the checkpoint tools, advertised as their outputSchema. */

export const CheckpointCreateOutput = z.object({
  checkpointId: z.string().describe('64 hex characters: session_start { checkpointId } forks it.'),
  bytes: z.number().int().describe('The session state’s original size.'),
  storedBytes: z.number().int().describe('Its size in the store, compressed.'),
  newBytes: z.number().int().describe('What this checkpoint added to the store.'),
});

export const CheckpointListOutput = z.object({
  checkpoints: z.array(
    z.object({
      checkpointId: z.string(),
      label: z.string().nullable(),
      createdAt: z.string().describe('ISO 8601 time'),
      turn: z.number().int().describe('The last turn it holds.'),
      bytes: z.number().int(),
    }),
  ),
});
