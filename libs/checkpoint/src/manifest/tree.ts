import { z } from 'zod';
import { ChunkRef, PageRef, Sha256Hex } from './schema';

/**
 * Workspace trees (filled by the workspaces issue; defined now so manifests and GC know them).
 *
 * One blob per directory, like git: an entry for a subdirectory names the hash of that
 * directory's tree blob. A checkpoint after a turn that changed one file then stores the file
 * and the trees on its path to the root, not a listing of the whole workspace (a flat list of
 * 1,000 files is ~150 kB per checkpoint, more than most changed files).
 *
 * Entries are sorted by name (byte order) and carry no mtime, so the same content always gives
 * the same tree hash; a worker keeps its own (size, mtime) → hash cache to avoid rehashing.
 */
const EntryName = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (n) => n !== '.' && n !== '..' && !n.includes('/') && !n.includes('\0'),
    'not a file name',
  );
/** Permission bits only (e.g. 0o755); file type is `type`. */
const Mode = z.number().int().min(0).max(0o7777);

const FileEntry = z.object({
  name: EntryName,
  type: z.literal('file'),
  mode: Mode,
  size: z.number().int().nonnegative(),
  /** Small files: one blob with this hash. */
  hash: Sha256Hex.optional(),
  /** Large files: content-defined chunks, like the transcript (pages, then chunks). */
  pages: z.array(PageRef).optional(),
  chunks: z.array(ChunkRef).optional(),
  /** SHA-256 of the whole file when it is chunked. */
  sha256: Sha256Hex.optional(),
});

const DirEntry = z.object({
  name: EntryName,
  type: z.literal('dir'),
  mode: Mode,
  /** Tree blob of the directory. */
  hash: Sha256Hex,
});

const SymlinkEntry = z.object({
  name: EntryName,
  type: z.literal('symlink'),
  mode: Mode,
  /** Kept as written; restore refuses targets that leave the workspace. */
  target: z.string().min(1).max(4096),
});

export const TreeEntry = z
  .discriminatedUnion('type', [FileEntry, DirEntry, SymlinkEntry])
  .refine(
    (e) =>
      e.type !== 'file' ||
      (e.hash !== undefined) !== (e.chunks !== undefined && e.sha256 !== undefined),
    'a file entry has either `hash` or `chunks` with `sha256`',
  );
export type TreeEntry = z.infer<typeof TreeEntry>;

export const WorkspaceTree = z.object({
  kind: z.literal('tree'),
  version: z.literal(1),
  entries: z.array(TreeEntry),
});
export type WorkspaceTree = z.infer<typeof WorkspaceTree>;

/** Every blob hash a tree entry points at directly (a dir's subtree included, not walked). */
export function entryBlobHashes(entry: TreeEntry): {
  subtree?: string;
  pages: string[];
  blobs: string[];
} {
  if (entry.type === 'dir') return { subtree: entry.hash, pages: [], blobs: [] };
  if (entry.type === 'symlink') return { pages: [], blobs: [] };
  const blobs = entry.hash ? [entry.hash] : (entry.chunks ?? []).map((c) => c.hash);
  return { pages: (entry.pages ?? []).map((p) => p.hash), blobs };
}
