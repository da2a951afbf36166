import { mapBounded, type WorkspaceTree } from '@app/checkpoint';
import { WorkspaceRestoreRefused } from './errors';
import { joinRel } from './paths';
import { contentOf, type FileContent } from './tree-blob';
import type { TreeLoader } from './tree-loader';

export interface PlannedDir {
  rel: string;
  mode: number;
  depth: number;
}
export interface PlannedFile {
  rel: string;
  mode: number;
  size: number;
  content: FileContent;
}
export interface PlannedLink {
  rel: string;
  target: string;
}

/** Everything a restore writes, known (and checked) before the first byte is written. */
export interface RestorePlan {
  /** Parents before children. */
  dirs: PlannedDir[];
  files: PlannedFile[];
  links: PlannedLink[];
  trees: Set<string>;
  bytes: number;
}

/** Linux limits: NAME_MAX bytes per name, PATH_MAX bytes per path (with its NUL). */
const NAME_MAX = 255;
const PATH_MAX = 4095;

/**
 * Loads the whole tree, level by level (a level's trees fetched in parallel, each distinct tree
 * once), and refuses what the schema allows but this filesystem cannot hold exactly: two
 * entries with one name, names or paths longer than Linux takes, more than `maxEntries`
 * entries (identical subtrees share one blob, so a small tree can expand to a huge one).
 */
export async function planRestore(
  loader: TreeLoader,
  root: string,
  maxEntries: number,
): Promise<RestorePlan> {
  const plan: RestorePlan = { dirs: [], files: [], links: [], trees: new Set(), bytes: 0 };
  let level = [{ hash: root, rel: '', depth: 0 }];
  let entries = 0;
  while (level.length > 0) {
    const hashes = [...new Set(level.map((d) => d.hash))];
    const trees = await mapBounded(hashes, loader.content.concurrency, (h) => loader.load(h));
    const byHash = new Map(hashes.map((h, i) => [h, trees[i]]));
    hashes.forEach((h) => plan.trees.add(h));
    const next: typeof level = [];
    for (const dir of level) {
      const tree = byHash.get(dir.hash) as WorkspaceTree;
      entries += tree.entries.length;
      if (entries > maxEntries) {
        throw new WorkspaceRestoreRefused(dir.rel, `expands to more than ${maxEntries} entries`);
      }
      const seen = new Set<string>();
      for (const entry of tree.entries) {
        const rel = joinRel(dir.rel, entry.name);
        checkName(rel, entry.name, seen);
        if (entry.type === 'dir') {
          plan.dirs.push({ rel, mode: entry.mode, depth: dir.depth + 1 });
          next.push({ hash: entry.hash, rel, depth: dir.depth + 1 });
        } else if (entry.type === 'symlink') {
          plan.links.push({ rel, target: entry.target });
        } else {
          plan.files.push({ rel, mode: entry.mode, size: entry.size, content: contentOf(entry) });
          plan.bytes += entry.size;
        }
      }
    }
    level = next;
  }
  return plan;
}

function checkName(rel: string, name: string, seen: Set<string>): void {
  if (seen.has(name)) throw new WorkspaceRestoreRefused(rel, 'appears twice in its directory');
  seen.add(name);
  if (Buffer.byteLength(name) > NAME_MAX) {
    throw new WorkspaceRestoreRefused(rel, `has a name longer than ${NAME_MAX} bytes`);
  }
  if (Buffer.byteLength(rel) > PATH_MAX) {
    throw new WorkspaceRestoreRefused(rel, `is a path longer than ${PATH_MAX} bytes`);
  }
}
