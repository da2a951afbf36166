import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckpointStore } from '@app/checkpoint';
import { InvalidRequest, type SessionOptions, type WorkspaceSeed } from '@app/contracts';
import {
  checkSeed,
  materializeSeed,
  SeedRejected,
  snapshotWorkspace,
  type SeedLimits,
} from '@app/workspace';

/**
 * Turns `session_start { workspace }` into the session's workspace origin. Inline files and
 * archives are unpacked here, checked and stored as the seed tree, so a bad seed fails the call
 * at once and nothing but the stored tree remains; a repository is only checked here (URL,
 * address) and cloned by the worker before the first turn.
 */
export class WorkspaceSeeder {
  constructor(
    private readonly checkpoints: CheckpointStore,
    private readonly limits: SeedLimits,
  ) {}

  async originOf(tenant: string, seed: WorkspaceSeed): Promise<SessionOptions['workspace']> {
    try {
      await checkSeed(seed, this.limits);
      if ('git' in seed) return { git: seed.git };
      return { seedTree: await this.store(tenant, seed) };
    } catch (error) {
      if (error instanceof SeedRejected) throw new InvalidRequest(`workspace: ${error.message}`);
      throw error;
    }
  }

  private async store(tenant: string, seed: WorkspaceSeed): Promise<string> {
    const scratch = await mkdtemp(join(tmpdir(), 'seed-'));
    try {
      const dir = join(scratch, 'ws');
      await materializeSeed(seed, dir, this.limits);
      const { snapshot } = await snapshotWorkspace(this.checkpoints.content(tenant), dir, {
        maxBytes: this.limits.maxBytes,
        maxFiles: this.limits.maxFiles,
      });
      return snapshot.tree;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}
