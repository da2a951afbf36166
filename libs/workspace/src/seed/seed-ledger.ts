import { SeedRejected } from './errors';
import { resolvesInside } from './link-resolution';
import { formatBytes, type SeedLimits } from './seed-limits';

export type EntryKind = 'file' | 'dir' | 'symlink';

/**
 * What a seed has claimed so far, kept in memory while its entries are checked (and written):
 * it refuses duplicates, paths below a file or through a symlink, and enforces the count and
 * byte limits before a single byte of the entry is written.
 */
export class SeedLedger {
  /** Files and symlinks. */
  files = 0;
  dirs = 0;
  bytes = 0;
  /** Every entry seen, refused or not (bounds the archive's metadata overhead). */
  entriesSeen = 0;
  private readonly nodes = new Map<string, { kind: EntryKind; size: number }>();
  private readonly links = new Map<string, string>();

  constructor(private readonly limits: Pick<SeedLimits, 'maxBytes' | 'maxFiles'>) {}

  /**
   * Registers a normalised path. Returns the parent directories not seen before (shallowest
   * first, to be created) and whether the entry itself is new: a directory named twice is fine,
   * anything else named twice is not.
   */
  claim(path: string, kind: EntryKind, size = 0): { isNew: boolean; newParents: string[] } {
    const segments = path.split('/');
    const newParents: string[] = [];
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      const node = this.nodes.get(parent);
      if (node?.kind === 'symlink') {
        throw new SeedRejected(
          'through_symlink',
          `would be written through the symlink ${JSON.stringify(parent)} of this seed; put the entry at its real path`,
          path,
        );
      }
      if (node?.kind === 'file') {
        throw new SeedRejected(
          'path_conflict',
          `is below ${JSON.stringify(parent)}, which is a file, not a directory`,
          path,
        );
      }
      if (!node) newParents.push(parent);
    }
    const existing = this.nodes.get(path);
    if (existing) {
      if (existing.kind === 'dir' && kind === 'dir') return { isNew: false, newParents };
      throw new SeedRejected('duplicate_path', 'appears more than once in the seed', path);
    }
    this.count(path, kind, size, newParents.length);
    for (const parent of newParents) this.nodes.set(parent, { kind: 'dir', size: 0 });
    this.nodes.set(path, { kind, size });
    return { isNew: true, newParents };
  }

  /** Registers a symlink (its own target already checked with checkLinkTarget). */
  claimLink(path: string, target: string): { newParents: string[] } {
    const claimed = this.claim(path, 'symlink');
    this.links.set(path, target);
    return claimed;
  }

  /** Refuses the first symlink that, followed through the seed's other links, leaves the root. */
  async checkLinkChains(): Promise<void> {
    for (const path of this.links.keys()) {
      if (!(await resolvesInside(path, (p) => this.links.get(p)))) {
        throw new SeedRejected(
          'link_escape',
          'is a symlink that, followed through other symlinks of the seed, points outside the workspace',
          path,
        );
      }
    }
  }

  /** The size of a regular file claimed earlier, or undefined when `path` is not one. */
  fileSize(path: string): number | undefined {
    const node = this.nodes.get(path);
    return node?.kind === 'file' ? node.size : undefined;
  }

  private count(path: string, kind: EntryKind, size: number, newDirs: number): void {
    const { maxFiles, maxBytes } = this.limits;
    const files = this.files + (kind === 'dir' ? 0 : 1);
    const dirs = this.dirs + newDirs + (kind === 'dir' ? 1 : 0);
    if (files > maxFiles || dirs > maxFiles) {
      throw new SeedRejected(
        'too_many_files',
        `the seed has more than ${maxFiles} ${files > maxFiles ? 'files' : 'directories'}, the workspace limit; send fewer entries`,
        path,
      );
    }
    if (this.bytes + size > maxBytes) {
      throw new SeedRejected(
        'too_large',
        `brings the seed over the workspace limit of ${formatBytes(maxBytes)} (${formatBytes(this.bytes + size)} so far); send a smaller workspace`,
        path,
      );
    }
    this.files = files;
    this.dirs = dirs;
    this.bytes += size;
  }
}
