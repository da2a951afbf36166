import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, symlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where checked entries go: `StagingTree` writes them under a fresh directory, `DRY_RUN` only
 * drains them (checkSeed). Paths are normalised seed paths already claimed in a SeedLedger, so
 * a sink never sees `..`, an absolute path or a path through a symlink.
 */
export interface SeedSink {
  mkdir(path: string, mode?: number): Promise<void>;
  writeFile(
    path: string,
    content: Iterable<Buffer> | AsyncIterable<Buffer>,
    mode: number,
  ): Promise<void>;
  symlink(path: string, target: string): Promise<void>;
  /** A copy of a regular file written earlier (tar hard links). */
  copyFile(from: string, to: string): Promise<void>;
}

export const DRY_RUN: SeedSink = {
  mkdir: async () => {},
  writeFile: async (_path, content) => {
    for await (const _chunk of content); // drain: the archive parser waits for it
  },
  symlink: async () => {},
  copyFile: async () => {},
};

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export class StagingTree implements SeedSink {
  private readonly dirModes = new Map<string, number>();

  constructor(readonly root: string) {}

  async mkdir(path: string, mode = 0o755): Promise<void> {
    if (!this.dirModes.has(path)) await mkdir(this.abs(path), { mode: 0o700 });
    this.dirModes.set(path, mode);
  }

  async writeFile(
    path: string,
    content: Iterable<Buffer> | AsyncIterable<Buffer>,
    mode: number,
  ): Promise<void> {
    // O_EXCL|O_NOFOLLOW: never through or over anything already there (defence in depth).
    const file = await open(this.abs(path), CREATE_NEW, 0o600);
    try {
      for await (const chunk of content) await file.write(chunk);
      await file.chmod(mode);
    } finally {
      await file.close();
    }
  }

  async symlink(path: string, target: string): Promise<void> {
    await symlink(target, this.abs(path));
  }

  async copyFile(from: string, to: string): Promise<void> {
    await copyFile(this.abs(from), this.abs(to), constants.COPYFILE_EXCL);
  }

  /**
   * Applies directory modes last (deepest first), so a read-only directory in an archive does
   * not stop its own entries from being written. The owner keeps rwx: the worker must be able
   * to checkpoint and delete the workspace.
   */
  async finish(): Promise<void> {
    const paths = [...this.dirModes.keys()].sort((a, b) => b.length - a.length);
    for (const path of paths)
      await chmod(this.abs(path), ((this.dirModes.get(path) ?? 0o755) & 0o777) | 0o700);
  }

  private abs(path: string): string {
    return join(this.root, ...path.split('/'));
  }
}
