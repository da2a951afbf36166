import type { SkipReport } from './skip-report';
import type { WalkedDir } from './walk';

export interface Limits {
  maxBytes: number;
  maxFiles: number;
}

/**
 * Applies the limits in a fixed order (depth first, names sorted) so the same workspace always
 * leaves out the same files, whatever order the walk's lstat calls finished in. Files and
 * symlinks count toward maxFiles; only file bytes toward maxBytes. A file that does not fit is
 * left out and later, smaller ones may still fit. Once maxFiles is reached, a directory not yet
 * entered is left out whole and reported once. Prunes `dir` in place.
 */
export function admitWithinLimits(dir: WalkedDir, limits: Limits, skipped: SkipReport): void {
  const used = { files: 0, bytes: 0 };
  admitDir(dir, limits, used, skipped);
}

function admitDir(
  dir: WalkedDir,
  limits: Limits,
  used: { files: number; bytes: number },
  skipped: SkipReport,
): void {
  dir.children = dir.children.filter((node) => {
    if (node.kind === 'dir') {
      if (used.files >= limits.maxFiles && hasEntries(node)) {
        skipped.add(node.rel, 'over_file_limit', `maxFiles ${limits.maxFiles} reached`);
        return false;
      }
      admitDir(node, limits, used, skipped);
      return true;
    }
    if (used.files >= limits.maxFiles) {
      skipped.add(node.rel, 'over_file_limit', `maxFiles ${limits.maxFiles} reached`);
      return false;
    }
    const size = node.kind === 'file' ? node.stats.size : 0;
    if (used.bytes + size > limits.maxBytes) {
      skipped.add(
        node.rel,
        'over_size_limit',
        `${size} bytes; ${limits.maxBytes - used.bytes} of maxBytes ${limits.maxBytes} left`,
      );
      return false;
    }
    used.files++;
    used.bytes += size;
    return true;
  });
}

function hasEntries(dir: WalkedDir): boolean {
  return dir.children.some((node) => node.kind !== 'dir' || hasEntries(node));
}
