import type { TreeEntry, WorkspaceTree } from '@app/checkpoint';
import { compareNames, joinRel } from './paths';
import { sameContent } from './tree-blob';
import type { TreeLoader } from './tree-loader';

export type ChangeKind = 'added' | 'deleted' | 'modified' | 'type_changed' | 'mode_changed';

export interface TreeChange {
  path: string;
  change: ChangeKind;
  before?: TreeEntry;
  after?: TreeEntry;
}

const EMPTY: WorkspaceTree = { kind: 'tree', version: 1, entries: [] };

/**
 * What differs between two trees, in path order (depth first, names sorted). Directories with
 * the same tree hash are skipped without being read, so the cost follows the change, not the
 * workspace. Files and symlinks are listed; a directory only when its own mode changed, or
 * when it is empty and added or deleted (git would not show it, but trees keep empty dirs).
 * `from` undefined is the empty tree.
 */
export async function* treeChanges(
  loader: TreeLoader,
  from: string | undefined,
  to: string | undefined,
  rel = '',
): AsyncGenerator<TreeChange> {
  if (from === to) return;
  const [a, b] = await Promise.all([
    from ? loader.load(from) : EMPTY,
    to ? loader.load(to) : EMPTY,
  ]);
  const before = new Map(a.entries.map((e) => [e.name, e]));
  const after = new Map(b.entries.map((e) => [e.name, e]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort(compareNames);
  for (const name of names) {
    yield* entryChanges(loader, joinRel(rel, name), before.get(name), after.get(name));
  }
}

async function* entryChanges(
  loader: TreeLoader,
  path: string,
  x: TreeEntry | undefined,
  y: TreeEntry | undefined,
): AsyncGenerator<TreeChange> {
  if (x && y && x.type !== y.type) {
    yield { path, change: 'type_changed', before: x, after: y };
    if (x.type === 'dir') yield* treeChanges(loader, x.hash, undefined, path);
    if (y.type === 'dir') yield* treeChanges(loader, undefined, y.hash, path);
    return;
  }
  const dir = [x, y].find((e) => e?.type === 'dir');
  if (dir) {
    const [from, to] = [
      x?.type === 'dir' ? x.hash : undefined,
      y?.type === 'dir' ? y.hash : undefined,
    ];
    if (x && y && x.mode !== y.mode) yield { path, change: 'mode_changed', before: x, after: y };
    if (!(x && y) && (await isEmpty(loader, (from ?? to) as string))) {
      yield { path, change: x ? 'deleted' : 'added', before: x, after: y };
    }
    yield* treeChanges(loader, from, to, path);
    return;
  }
  if (!x || !y) {
    yield { path, change: x ? 'deleted' : 'added', before: x, after: y };
    return;
  }
  const change = fileChange(x, y);
  if (change) yield { path, change, before: x, after: y };
}

/** Same type, not a directory. A symlink's mode is not compared: Linux cannot set one. */
function fileChange(x: TreeEntry, y: TreeEntry): ChangeKind | undefined {
  if (x.type === 'symlink' && y.type === 'symlink') {
    return x.target === y.target ? undefined : 'modified';
  }
  if (x.type === 'file' && y.type === 'file') {
    if (!sameContent(x, y)) return 'modified';
    return x.mode === y.mode ? undefined : 'mode_changed';
  }
  return undefined;
}

async function isEmpty(loader: TreeLoader, hash: string): Promise<boolean> {
  return (await loader.load(hash)).entries.length === 0;
}
