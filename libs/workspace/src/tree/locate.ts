import type { TreeEntry } from '@app/checkpoint';
import { WorkspacePathNotFound } from './errors';
import { joinRel, pathSegments } from './paths';
import type { TreeLoader } from './tree-loader';

/** The root itself (no entry of its own), or the entry at a path. */
export type Located = { rel: ''; tree: string } | { rel: string; entry: TreeEntry };

/**
 * Walks `path` down from the root tree. Symlinks on the way are not followed: the store holds
 * the link, not what it pointed at on some machine, so a path through one is not found.
 */
export async function locate(loader: TreeLoader, root: string, path: string): Promise<Located> {
  const segments = pathSegments(path);
  let tree = root;
  let rel = '';
  for (const [i, name] of segments.entries()) {
    const entry = (await loader.load(tree)).entries.find((e) => e.name === name);
    const parent = rel;
    rel = joinRel(rel, name);
    if (!entry) {
      throw new WorkspacePathNotFound(path, parent ? `${parent} has no entry ${name}` : undefined);
    }
    if (i === segments.length - 1) return { rel, entry };
    if (entry.type === 'symlink') {
      throw new WorkspacePathNotFound(
        path,
        `${rel} is a symlink to ${entry.target}; use that path`,
      );
    }
    if (entry.type !== 'dir') throw new WorkspacePathNotFound(path, `${rel} is a file`);
    tree = entry.hash;
  }
  return { rel: '', tree };
}
