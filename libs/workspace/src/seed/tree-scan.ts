import type { Dirent } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SeedRejected } from './errors';
import { resolvesInside } from './link-resolution';
import { formatBytes, type SeedLimits } from './seed-limits';

export interface TreeTotals {
  /** Regular files and symlinks. */
  files: number;
  bytes: number;
}

/**
 * Walks a written seed without following symlinks: counts files and bytes against the limits
 * and, unless `countOnly`, checks that every symlink resolves inside the root, through the
 * links beside it. `what` names the tree in messages ("the archive", "the repository checkout").
 */
export async function scanTree(
  root: string,
  limits: Pick<SeedLimits, 'maxBytes' | 'maxFiles'>,
  what: string,
  opts: { countOnly?: boolean } = {},
): Promise<TreeTotals> {
  const totals: TreeTotals = { files: 0, bytes: 0 };
  let dirs = 0;
  const pending: string[] = [''];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    for (const entry of await listDir(join(root, dir))) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        pending.push(path);
        if (++dirs > limits.maxFiles) tooMany(limits.maxFiles, 'directories', what);
        continue;
      }
      if (++totals.files > limits.maxFiles) tooMany(limits.maxFiles, 'files', what);
      if (entry.isSymbolicLink()) {
        if (!opts.countOnly && !(await resolvesInside(path, (p) => diskLink(root, p)))) {
          throw new SeedRejected(
            'link_escape',
            `${what} has a symlink that resolves outside the workspace (absolute target or too many ..)`,
            path,
          );
        }
      } else if (entry.isFile()) {
        totals.bytes += await sizeOf(join(root, path));
        if (totals.bytes > limits.maxBytes) {
          throw new SeedRejected(
            'too_large',
            `${what} is larger than the workspace limit of ${formatBytes(limits.maxBytes)}; use a smaller repository or archive`,
          );
        }
      } else {
        throw new SeedRejected(
          'unsupported_entry',
          `${what} contains a device, fifo or socket; only files, directories and symlinks are allowed`,
          path,
        );
      }
    }
  }
  return totals;
}

async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isGone(err)) return []; // removed while git was still writing (countOnly watch)
    throw err;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await lstat(path)).size;
  } catch (err) {
    if (isGone(err)) return 0;
    throw err;
  }
}

async function diskLink(root: string, path: string): Promise<string | undefined> {
  const abs = join(root, ...path.split('/'));
  try {
    return (await lstat(abs)).isSymbolicLink() ? await readlink(abs) : undefined;
  } catch {
    return undefined; // missing, or below a regular file (ENOTDIR)
  }
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function tooMany(max: number, kind: string, what: string): never {
  throw new SeedRejected(
    'too_many_files',
    `${what} has more than ${max} ${kind}, the workspace limit`,
  );
}
