import type { TreeEntry } from '@app/checkpoint';
import { locate } from './locate';
import { compareNames, joinRel } from './paths';
import type { TreeLoader } from './tree-loader';

export interface WorkspaceEntryInfo {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Bytes of a file, of a symlink's target; 0 for a directory. */
  size: number;
  mode: number;
  target?: string;
}

export interface ListOptions {
  /** Everything below the directory, depth first, each directory before its contents. */
  recursive?: boolean;
  /** Default 1,000. */
  limit?: number;
}

const DEFAULT_LIMIT = 1000;

/** A directory's entries (or a file's own entry), read from the store; `truncated` at `limit`. */
export async function listTree(
  loader: TreeLoader,
  root: string,
  path = '',
  options: ListOptions = {},
): Promise<{ entries: WorkspaceEntryInfo[]; truncated: boolean }> {
  const located = await locate(loader, root, path);
  if ('entry' in located && located.entry.type !== 'dir') {
    return { entries: [infoOf(located.entry, located.rel)], truncated: false };
  }
  const start = 'entry' in located && located.entry.type === 'dir' ? located.entry.hash : root;
  const limit = options.limit ?? DEFAULT_LIMIT;
  const entries: WorkspaceEntryInfo[] = [];
  const walk = async (hash: string, rel: string): Promise<boolean> => {
    const tree = await loader.load(hash);
    const sorted = [...tree.entries].sort((a, b) => compareNames(a.name, b.name));
    for (const entry of sorted) {
      if (entries.length >= limit) return false;
      entries.push(infoOf(entry, joinRel(rel, entry.name)));
      if (
        options.recursive &&
        entry.type === 'dir' &&
        !(await walk(entry.hash, joinRel(rel, entry.name)))
      ) {
        return false;
      }
    }
    return true;
  };
  const complete = await walk(start, located.rel);
  return { entries, truncated: !complete };
}

function infoOf(entry: TreeEntry, path: string): WorkspaceEntryInfo {
  if (entry.type === 'dir') return { path, type: 'dir', size: 0, mode: entry.mode };
  if (entry.type === 'symlink') {
    const size = Buffer.byteLength(entry.target);
    return { path, type: 'symlink', size, mode: entry.mode, target: entry.target };
  }
  return { path, type: 'file', size: entry.size, mode: entry.mode };
}
