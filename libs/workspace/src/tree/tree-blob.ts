import { createHash } from 'node:crypto';
import {
  type ChunkRef,
  ManifestUnreadable,
  type PageRef,
  type TreeEntry,
  WorkspaceTree,
} from '@app/checkpoint';

export type FileEntry = Extract<TreeEntry, { type: 'file' }>;
export type DirEntry = Extract<TreeEntry, { type: 'dir' }>;
export type SymlinkEntry = Extract<TreeEntry, { type: 'symlink' }>;

/** Where a file's bytes are: one blob, or content-defined chunks (as in a FileEntry). */
export type FileContent =
  { hash: string } | { pages: PageRef[]; chunks: ChunkRef[]; sha256: string };

export function contentOf(entry: FileEntry): FileContent {
  if (entry.hash !== undefined) return { hash: entry.hash };
  return { pages: entry.pages ?? [], chunks: entry.chunks ?? [], sha256: entry.sha256 ?? '' };
}

/** Same bytes, judged from the references alone (no store access). */
export function sameContent(a: FileEntry, b: FileEntry): boolean {
  if (a.size !== b.size) return false;
  if (a.hash !== undefined || b.hash !== undefined) return a.hash === b.hash;
  return a.sha256 === b.sha256;
}

/**
 * The canonical bytes of a directory's tree blob and their hash (its name in the store).
 * canonicalJson sorts every object's keys as it goes, ~7x slower than JSON.stringify on a
 * 1,000-entry tree, and every snapshot encodes every directory; building each object with its
 * keys already in sorted order makes JSON.stringify's output the same canonical bytes (its
 * spec checks that against canonicalJson).
 */
export function encodeTree(entries: TreeEntry[]): { hash: string; blob: Buffer } {
  const tree = { entries: entries.map(sortedKeys), kind: 'tree', version: 1 } as const;
  const blob = Buffer.from(JSON.stringify(tree satisfies WorkspaceTree), 'utf8');
  return { hash: createHash('sha256').update(blob).digest('hex'), blob };
}

/** Keys in canonical (sorted) order; undefined members are dropped by JSON.stringify. */
function sortedKeys(e: TreeEntry): TreeEntry {
  if (e.type === 'dir') return { hash: e.hash, mode: e.mode, name: e.name, type: e.type };
  if (e.type === 'symlink') return { mode: e.mode, name: e.name, target: e.target, type: e.type };
  return {
    chunks: e.chunks?.map((c) => ({ hash: c.hash, size: c.size })),
    hash: e.hash,
    mode: e.mode,
    name: e.name,
    pages: e.pages?.map((p) => ({ chunks: p.chunks, hash: p.hash, size: p.size })),
    sha256: e.sha256,
    size: e.size,
    type: e.type,
  };
}

/** A stored tree blob, checked against the schema GC and restore rely on. */
export function decodeTree(hash: string, blob: Buffer): WorkspaceTree {
  let json: unknown;
  try {
    json = JSON.parse(blob.toString('utf8'));
  } catch {
    throw new ManifestUnreadable(hash, 'workspace tree', 'not JSON');
  }
  const parsed = WorkspaceTree.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new ManifestUnreadable(
      hash,
      'workspace tree',
      `${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
