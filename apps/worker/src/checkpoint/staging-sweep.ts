import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Older than this, a staging directory cannot belong to a seed or restore still running. */
const STALE_AFTER_MS = 60 * 60_000;

/**
 * Removes what a worker killed mid-seed or mid-restore left beside session workspaces
 * (`.ws.seed-*`, `.ws.restore-*`): both write into a hidden sibling and rename it into place,
 * so a crash leaves that sibling behind. Only old ones go: a worker sharing DATA_DIR may be
 * using a fresh one.
 */
export async function sweepStagingDirs(dataDir: string, now = Date.now()): Promise<number> {
  const sessions = join(dataDir, 'sessions');
  let removed = 0;
  for (const session of await readdir(sessions).catch(() => [])) {
    const dir = join(sessions, session);
    for (const name of await readdir(dir).catch(() => [])) {
      if (!/^\.ws\.(seed|restore)-/.test(name)) continue;
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (!info || now - info.mtimeMs < STALE_AFTER_MS) continue;
      await rm(join(dir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
