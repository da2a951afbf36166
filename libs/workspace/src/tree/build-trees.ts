import type { TreeEntry } from '@app/checkpoint';
import { encodeTree, type FileContent } from './tree-blob';
import type { WalkedDir } from './walk';

export interface BuiltFile {
  content: FileContent;
  size: number;
  mode: number;
}

export interface BuiltTrees {
  root: string;
  /** Every directory's tree blob by hash (identical directories share one). */
  blobs: Map<string, Buffer>;
  dirs: number;
  symlinks: number;
}

/**
 * Encodes each directory bottom-up into its tree blob. Files missing from `files` (vanished
 * while being read) and directories that could not be listed are left out.
 */
export function buildTrees(top: WalkedDir, files: ReadonlyMap<string, BuiltFile>): BuiltTrees {
  const built: BuiltTrees = { root: '', blobs: new Map(), dirs: 0, symlinks: 0 };
  built.root = buildDir(top, files, built);
  return built;
}

function buildDir(dir: WalkedDir, files: ReadonlyMap<string, BuiltFile>, out: BuiltTrees): string {
  const entries: TreeEntry[] = [];
  for (const node of dir.children) {
    if (node.kind === 'dir') {
      if (node.unreadable) continue;
      out.dirs++;
      entries.push({
        name: node.name,
        type: 'dir',
        mode: node.mode,
        hash: buildDir(node, files, out),
      });
    } else if (node.kind === 'symlink') {
      out.symlinks++;
      entries.push({ name: node.name, type: 'symlink', mode: node.mode, target: node.target });
    } else {
      const file = files.get(node.rel);
      if (!file) continue;
      entries.push({
        name: node.name,
        type: 'file',
        mode: file.mode,
        size: file.size,
        ...file.content,
      });
    }
  }
  const { hash, blob } = encodeTree(entries);
  out.blobs.set(hash, blob);
  return hash;
}
