import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What this worker's copy of a session's files corresponds to. A session moves between workers
 * (hibernation, hand-over): a copy left behind is stale as soon as another worker runs a turn,
 * so the next turn here restores from the store unless the copy matches the session's last
 * checkpoint.
 */
export interface LocalState {
  /** The checkpoint these files were restored from or stored as. */
  checkpointId?: string;
  /** The workspace seed is in place (a session with no checkpoint yet). */
  seeded?: boolean;
  /**
   * The session's finished turns these files hold: they may be ahead of `checkpointId` (a turn
   * whose checkpoint failed), and behind the session when another worker ran turns since.
   */
  completedTurns?: number;
}

const FILE = 'state.json';

export async function readLocalState(root: string): Promise<LocalState> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(root, FILE), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { checkpointId, seeded, completedTurns } = parsed as Record<string, unknown>;
    return {
      checkpointId: typeof checkpointId === 'string' ? checkpointId : undefined,
      seeded: seeded === true,
      completedTurns: typeof completedTurns === 'number' ? completedTurns : undefined,
    };
  } catch {
    return {};
  }
}

export async function writeLocalState(root: string, state: LocalState): Promise<void> {
  const path = join(root, FILE);
  await mkdir(root, { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(state));
  await rename(`${path}.tmp`, path);
}
