import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckpointStore, WorkspaceSnapshot } from '@app/checkpoint';
import type { SessionRecord } from '@app/contracts';
import {
  formatBytes,
  materializeSeed,
  restoreWorkspace,
  SeedRejected,
  snapshotWorkspace,
  StatCache,
  type SeedLimits,
  type SkippedEntry,
} from '@app/workspace';

export interface WorkspaceSettings {
  maxBytes: number;
  maxFiles: number;
  excludes: string[];
  seed: SeedLimits;
  /** A tenant's workspaceBytes quota (TENANT_LIMITS): lowers maxBytes for its sessions. */
  workspaceBytesOf?: (tenant: string) => number;
}

export interface CapturedWorkspace {
  snapshot: WorkspaceSnapshot;
  storedBytes: number;
  newBytes: number;
  skipped: SkippedEntry[];
}

/**
 * A session's working directory on this worker: seeded before its first turn, captured into
 * the store after every turn, put back from a checkpoint on whichever worker runs it next.
 */
export class SessionWorkspaces {
  /** Per session: (size, mtime) → stored entry, so unchanged files are neither read nor hashed. */
  private readonly caches = new Map<string, StatCache>();

  constructor(
    private readonly store: CheckpointStore,
    private readonly settings: WorkspaceSettings,
  ) {}

  /**
   * Puts a new session's seed in `dir`. A seed tree (files and archives, stored by the gateway)
   * is restored; a repository is cloned here and stored, and its tree hash returned so the
   * session records it (a retry elsewhere restores it instead of cloning again).
   */
  async seed(record: SessionRecord, dir: string): Promise<{ seedTree?: string }> {
    const origin = record.options.workspace;
    if (origin?.seedTree) {
      await this.restore(record.tenant, record.id, origin.seedTree, dir);
      return { seedTree: origin.seedTree };
    }
    if (!origin?.git) return {};
    await mkdir(dirname(dir), { recursive: true });
    const maxBytes = this.maxBytesOf(record.tenant);
    await materializeSeed({ git: origin.git }, dir, { ...this.settings.seed, maxBytes }).catch(
      (error: unknown) => {
        if (
          error instanceof SeedRejected &&
          error.reason === 'too_large' &&
          this.quotaBinds(record.tenant)
        )
          throw new SeedRejected(
            'too_large',
            `${record.tenant}'s workspaceBytes quota is ${formatBytes(maxBytes)}: ${error.message}`,
          );
        throw error;
      },
    );
    const captured = await this.capture(record.tenant, record.id, dir);
    return { seedTree: captured.snapshot.tree };
  }

  /** Replaces `dir` with the stored tree, exactly; unchanged on failure. */
  async restore(tenant: string, sessionId: string, tree: string, dir: string): Promise<void> {
    const cache = new StatCache();
    await mkdir(dirname(dir), { recursive: true });
    await restoreWorkspace(this.store.content(tenant), tree, dir, { cache });
    this.caches.set(sessionId, cache);
  }

  /** Stores `dir` as a tree; what was left out (excluded, over a limit, special) is reported. */
  async capture(
    tenant: string,
    sessionId: string,
    dir: string,
    seed?: string,
  ): Promise<CapturedWorkspace> {
    await mkdir(dir, { recursive: true });
    const result = await snapshotWorkspace(this.store.content(tenant), dir, {
      maxBytes: this.maxBytesOf(tenant),
      maxFiles: this.settings.maxFiles,
      excludes: this.settings.excludes,
      cache: this.cacheOf(sessionId),
      seed,
    });
    return {
      snapshot: result.snapshot,
      storedBytes: result.storedBytes,
      newBytes: result.newBytes,
      skipped: result.skipped,
    };
  }

  /** The largest workspace a session of `tenant` may have: WORKSPACE_MAX_BYTES or its quota. */
  private maxBytesOf(tenant: string): number {
    return Math.min(this.settings.maxBytes, this.settings.workspaceBytesOf?.(tenant) ?? Infinity);
  }

  private quotaBinds(tenant: string): boolean {
    return this.maxBytesOf(tenant) < this.settings.maxBytes;
  }

  forget(sessionId: string): void {
    this.caches.delete(sessionId);
  }

  private cacheOf(sessionId: string): StatCache {
    let cache = this.caches.get(sessionId);
    if (!cache) this.caches.set(sessionId, (cache = new StatCache()));
    return cache;
  }
}
