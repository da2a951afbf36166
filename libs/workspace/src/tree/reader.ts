import type { ContentStore } from '@app/checkpoint';
import { diffTrees, type DiffOptions, type WorkspaceDiff } from './diff-trees';
import { WorkspaceNotAFile } from './errors';
import { listTree, type ListOptions, type WorkspaceEntryInfo } from './list-tree';
import { locate } from './locate';
import { readRange } from './read-range';
import type { FileEntry } from './tree-blob';
import { TreeLoader } from './tree-loader';

export interface ReadResult {
  content: Buffer;
  /** The whole file's size (a symlink: its target's), whatever range was read. */
  size: number;
  type: 'file' | 'symlink';
}

/**
 * A workspace as stored in a checkpoint, read without restoring it: listings, file ranges and
 * diffs straight from the content store. Trees read once are kept for this reader's lifetime.
 */
export class WorkspaceReader {
  private readonly trees: TreeLoader;

  constructor(private readonly content: ContentStore) {
    this.trees = new TreeLoader(content);
  }

  list(
    tree: string,
    path?: string,
    options?: ListOptions,
  ): Promise<{ entries: WorkspaceEntryInfo[]; truncated: boolean }> {
    return listTree(this.trees, tree, path, options);
  }

  /** Bytes [offset, offset + length) of a file (default: to its end); a symlink's target. */
  async read(
    tree: string,
    path: string,
    options: { offset?: number; length?: number } = {},
  ): Promise<ReadResult> {
    const located = await locate(this.trees, tree, path);
    if (!('entry' in located) || located.entry.type === 'dir') throw new WorkspaceNotAFile(path);
    const { entry, rel } = located;
    const offset = Math.max(0, options.offset ?? 0);
    if (entry.type === 'symlink') {
      const target = Buffer.from(entry.target, 'utf8');
      const end = options.length === undefined ? target.length : offset + options.length;
      return { content: target.subarray(offset, end), size: target.length, type: 'symlink' };
    }
    const end = Math.min(
      entry.size,
      options.length === undefined ? entry.size : offset + Math.max(0, options.length),
    );
    const content = await readRange(this.content, entry, rel, offset, end);
    return { content, size: entry.size, type: 'file' };
  }

  /** From `from` (undefined: the empty tree, everything added) to `to`. */
  diff(from: string | undefined, to: string, options?: DiffOptions): Promise<WorkspaceDiff> {
    const read = (entry: FileEntry, path: string): Promise<Buffer> =>
      readRange(this.content, entry, path, 0, entry.size);
    return diffTrees(this.trees, read, from, to, options);
  }
}
