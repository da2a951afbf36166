import { SessionOptionsSchema, UsageTotalsSchema } from '@app/contracts';
import { z } from 'zod';

/**
 * What a checkpoint stores, as zod schemas. Manifests, chunk pages and trees are stored as
 * canonical JSON blobs in the same content-addressed store as the data; a checkpoint's id is
 * the SHA-256 of its manifest blob. No `.default()` anywhere: parsing must not add keys, so a
 * parsed manifest re-encodes to the same bytes (and the same id).
 */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters');
const Count = z.number().int().nonnegative();

/** One stored chunk: the blob with this hash holds the next `size` bytes of the file. */
export const ChunkRef = z.object({ hash: Sha256Hex, size: z.number().int().positive() });
export type ChunkRef = z.infer<typeof ChunkRef>;

/** A chunk page blob: a run of chunk refs, stored once and shared by later checkpoints. */
export const PageRef = z.object({
  hash: Sha256Hex,
  size: Count,
  chunks: z.number().int().positive(),
});
export type PageRef = z.infer<typeof PageRef>;

export const ChunkPage = z.object({
  kind: z.literal('chunk-page'),
  version: z.literal(1),
  chunks: z.array(ChunkRef).min(1),
});
export type ChunkPage = z.infer<typeof ChunkPage>;

/**
 * A file's bytes: the chunks of its `pages` in order, then `chunks`. Keeping sealed pages out
 * of the manifest keeps each checkpoint's manifest small however long the file grows.
 */
export const ChunkedContent = z.object({
  size: Count,
  sha256: Sha256Hex,
  pages: z.array(PageRef),
  chunks: z.array(ChunkRef),
});
export type ChunkedContent = z.infer<typeof ChunkedContent>;

/** A path relative to a directory: `/`-separated, no `.`/`..`/empty segments, not absolute. */
export const RelativePath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) =>
      !p.startsWith('/') &&
      !p.includes('\0') &&
      p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'expected a relative path without "", "." or ".." segments',
  );

export const TranscriptFile = ChunkedContent.extend({ path: RelativePath });
export type TranscriptFile = z.infer<typeof TranscriptFile>;

export const TranscriptContent = ChunkedContent.extend({
  /** `<claude-session-id>.jsonl`; restored under the project directory the CLI derives from its cwd. */
  fileName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,255}$/)
    .refine((n) => !n.startsWith('.')),
  /** Files the CLI keeps beside the transcript (subagent transcripts, tool results), relative to its directory. */
  extraFiles: z.array(TranscriptFile).optional(),
});
export type TranscriptContent = z.infer<typeof TranscriptContent>;

export const SessionSnapshot = z.object({
  options: SessionOptionsSchema.loose(),
  claudeSessionId: z.string().optional(),
  usage: UsageTotalsSchema.loose(),
  costUsd: z.number().nonnegative(),
  turns: Count,
  completedTurns: Count,
  model: z.string().optional(),
});
export type SessionSnapshot = z.infer<typeof SessionSnapshot>;

export const WorkspaceSnapshot = z.object({
  /** Hash of the root directory's tree blob (see tree.ts). */
  tree: Sha256Hex,
  files: Count,
  bytes: Count,
  /** Tree the session was seeded with (or forked from): the default base of workspace_diff. */
  seed: Sha256Hex.optional(),
});
export type WorkspaceSnapshot = z.infer<typeof WorkspaceSnapshot>;

export const CHECKPOINT_MANIFEST_VERSION = 1;

export const CheckpointManifest = z.object({
  version: z.literal(CHECKPOINT_MANIFEST_VERSION),
  kind: z.literal('checkpoint'),
  tenant: z.string(),
  sessionId: z.string(),
  parent: Sha256Hex.optional(),
  /** Milliseconds since the epoch. */
  createdAt: z.number().int().nonnegative(),
  label: z.string().max(200).optional(),
  turn: Count,
  session: SessionSnapshot,
  /** Where the session's event stream stood, so a restored session continues its numbering. */
  events: z.object({ lastId: z.string(), lastSeq: Count }),
  transcript: TranscriptContent.nullable(),
  workspace: WorkspaceSnapshot.nullable(),
});
export type CheckpointManifest = z.infer<typeof CheckpointManifest>;
