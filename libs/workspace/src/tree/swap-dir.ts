import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A hidden, unused name beside `target`: same filesystem, so a rename moves it in one step. */
function besideTarget(target: string, purpose: string): string {
  const suffix = randomBytes(6).toString('hex');
  return join(dirname(target), `.${basename(target)}.${purpose}-${suffix}`);
}

/** A new empty directory beside `target`. */
export async function freshDirBeside(target: string, purpose: string): Promise<string> {
  await mkdir(dirname(target), { recursive: true });
  const path = besideTarget(target, purpose);
  await mkdir(path);
  return path;
}

/**
 * Puts the directory `fresh` at `target`. An existing target is renamed aside first and put
 * back if the second rename fails; once `fresh` is in place the old one is removed. Linux has
 * an atomic exchange (renameat2) but Node does not expose it, so another process may see no
 * `target` for the instant between the two renames.
 */
export async function swapInto(fresh: string, target: string): Promise<void> {
  const exists = await lstat(target).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await rename(fresh, target);
    return;
  }
  const aside = besideTarget(target, 'replaced');
  await rename(target, aside);
  try {
    await rename(fresh, target);
  } catch (err) {
    await rename(aside, target);
    throw err;
  }
  // The restore has happened; a leftover of the old tree is not a reason to report failure.
  await removeTree(aside).catch(() => undefined);
}

/**
 * `rm -rf`, also for trees with read-only directories (a restored 0o555 directory cannot have
 * its entries unlinked by a non-root user): on EACCES/EPERM, grants the owner rwx on every
 * directory and tries again.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    await openUp(path);
    await rm(path, { recursive: true, force: true });
  }
}

async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await openUp(join(dir, entry.name));
}
