import { chmod, lstat, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { WorkspaceSeed } from '@app/contracts';
import { applyArchive } from './archive-seed';
import { SeedTargetInvalid } from './errors';
import { applyFiles } from './files-seed';
import { checkGitSeed, cloneGitSeed } from './git-seed';
import { SeedLedger } from './seed-ledger';
import type { SeedLimits } from './seed-limits';
import { DRY_RUN, StagingTree } from './seed-sink';
import { scanTree, type TreeTotals } from './tree-scan';

/**
 * Cheap checks that write nothing, for the gateway to refuse a bad seed at once: paths, counts,
 * sizes and entry types (an archive is parsed and its data drained, not written), the git URL
 * allow-list, ref syntax and host addresses. Throws SeedRejected.
 */
export async function checkSeed(seed: WorkspaceSeed, limits: SeedLimits): Promise<void> {
  if ('git' in seed) return checkGitSeed(seed.git, limits);
  const ledger = new SeedLedger(limits);
  if ('files' in seed) return applyFiles(seed.files, ledger, DRY_RUN);
  return applyArchive(seed.archive, ledger, DRY_RUN);
}

/**
 * Writes the seed into `targetDir`, which must not exist or be an empty directory. Everything
 * goes into a temporary sibling first and is renamed into place only once all checks passed
 * (symlink chains and totals included); on any failure the temporary directory is removed and
 * the target is left as it was. Throws SeedRejected for the client's mistakes,
 * SeedTargetInvalid for an unusable target, and other errors (disk full, git missing) as is.
 */
export async function materializeSeed(
  seed: WorkspaceSeed,
  targetDir: string,
  limits: SeedLimits,
  options: { signal?: AbortSignal } = {},
): Promise<TreeTotals> {
  const target = resolve(targetDir);
  await checkTarget(target);
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.seed-`));
  try {
    const what = await write(seed, staging, limits, options.signal);
    const totals = await scanTree(staging, limits, what);
    options.signal?.throwIfAborted();
    await chmod(staging, 0o755);
    await rename(staging, target); // replaces the target when it is an empty directory
    return totals;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

async function write(
  seed: WorkspaceSeed,
  staging: string,
  limits: SeedLimits,
  signal: AbortSignal | undefined,
): Promise<string> {
  if ('git' in seed) {
    await cloneGitSeed(seed.git, staging, limits, signal);
    return 'the repository checkout';
  }
  const ledger = new SeedLedger(limits);
  const tree = new StagingTree(staging);
  if ('files' in seed) await applyFiles(seed.files, ledger, tree, signal);
  else await applyArchive(seed.archive, ledger, tree, signal);
  await tree.finish();
  return 'files' in seed ? 'the seed' : 'the archive';
}

async function checkTarget(target: string): Promise<void> {
  let stat;
  try {
    stat = await lstat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stat.isDirectory()) throw new SeedTargetInvalid(target, 'it exists and is not a directory');
  if ((await readdir(target)).length > 0) {
    throw new SeedTargetInvalid(target, 'it already exists and is not empty');
  }
}
