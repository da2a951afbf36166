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
import { workspaceBytesExceeded } from '../quotas/quota-refusals';

/**
 * Turns `session_start { workspace }` into the session's workspace origin. Inline files and
 * archives are unpacked here, checked and stored as the seed tree, so a bad seed fails the call
 * at once and nothing but the stored tree remains; a repository is only checked here (URL,
 * address) and cloned by the worker before the first turn. A tenant whose workspaceBytes quota
 * is below WORKSPACE_MAX_BYTES is held to it, and told so when a seed is over it.
 */
export class WorkspaceSeeder {
  constructor(
    private readonly checkpoints: CheckpointStore,
    private readonly limits: SeedLimits,
    private readonly workspaceBytesOf: (tenant: string) => number = () => Infinity,
  ) {}

  async originOf(tenant: string, seed: WorkspaceSeed): Promise<SessionOptions['workspace']> {
    const quota = this.workspaceBytesOf(tenant);
    const limits = { ...this.limits, maxBytes: Math.min(this.limits.maxBytes, quota) };
    try {
      await checkSeed(seed, limits);
      if ('git' in seed) return { git: seed.git };
      return { seedTree: await this.store(tenant, seed, limits) };
    } catch (error) {
      if (!(error instanceof SeedRejected)) throw error;
      if (error.reason === 'too_large' && quota < this.limits.maxBytes)
        throw workspaceBytesExceeded(tenant, quota, error.message);
      throw new InvalidRequest(`workspace: ${error.message}`);
    }
  }

  private async store(tenant: string, seed: WorkspaceSeed, limits: SeedLimits): Promise<string> {
    const scratch = await mkdtemp(join(tmpdir(), 'seed-'));
    try {
      const dir = join(scratch, 'ws');
      await materializeSeed(seed, dir, limits);
      const { snapshot } = await snapshotWorkspace(this.checkpoints.content(tenant), dir, {
        maxBytes: limits.maxBytes,
        maxFiles: limits.maxFiles,
      });
      return snapshot.tree;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}
