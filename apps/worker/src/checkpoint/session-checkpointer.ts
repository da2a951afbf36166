import { existsSync } from 'node:fs';
import { rm, utimes } from 'node:fs/promises';
import { transcriptPath, type Launcher } from '@app/claude';
import type { CheckpointManifest, CheckpointStore } from '@app/checkpoint';
import type { SessionRecord } from '@app/contracts';
import type { WorkerMetrics } from '@app/metrics';
import type { SessionStore } from '@app/sessions';
import type { SessionEventLog } from '@app/stream';
import type { SkippedEntry } from '@app/workspace';
import type { ResumePlan } from '../runtime/live-session-registry';
import { sessionDirs } from '../runtime/session-dirs';
import { readLocalState, writeLocalState } from './local-state';
import type { SessionWorkspaces } from './session-workspace';
import { readCompleteTranscript, readSidecarFiles } from './transcript-files';

export interface CheckpointerDeps {
  store: CheckpointStore;
  sessions: SessionStore;
  log: SessionEventLog;
  workspaces: SessionWorkspaces;
  dataDir: string;
  launcher: Launcher;
  /** Times and sizes each checkpoint (absent: not measured). */
  metrics?: Pick<WorkerMetrics, 'checkpointed'>;
}

/** A turn's checkpoint, as the turn reports it. */
export interface TurnCheckpoint {
  checkpointId: string;
  /** Original size of what it holds; compressed bytes it added; the same uncompressed. */
  bytes: number;
  storedBytes: number;
  newBytes: number;
  workspace?: { files: number; bytes: number };
  /** Workspace paths the checkpoint left out (excluded, over a limit, special files). */
  leftOut: SkippedEntry[];
}

/**
 * Checkpoints a session after its turns and puts its transcript and workspace back before its
 * CLI starts, on whichever worker that happens: the object store, not this worker's disk, is
 * what lasts.
 */
export class SessionCheckpointer {
  /** The last manifest per session, so the next checkpoint reuses its chunks without a read. */
  private readonly latest = new Map<string, CheckpointManifest>();

  constructor(private readonly deps: CheckpointerDeps) {}

  /** Stores transcript, workspace and session state as of the last completed turn. */
  async checkpoint(
    record: SessionRecord,
    turn: number,
    label?: string,
  ): Promise<TurnCheckpoint | undefined> {
    if (!record.claudeSessionId) return undefined;
    const started = performance.now();
    const dirs = sessionDirs(this.deps.dataDir, record.id);
    // These files hold the turn now, stored or not: a failed store must not make them look stale.
    const local = await readLocalState(dirs.root);
    await writeLocalState(dirs.root, { ...local, completedTurns: record.completedTurns });
    const path = this.transcriptPathOf(record.id, record.claudeSessionId);
    const transcript = await readCompleteTranscript(path);
    const workspace = await this.deps.workspaces.capture(
      record.tenant,
      record.id,
      dirs.workspaceDir,
      record.options.workspace?.seedTree,
    );
    const created = await this.deps.store.create({
      tenant: record.tenant,
      sessionId: record.id,
      label,
      transcript,
      transcriptFileName: `${record.claudeSessionId}.jsonl`,
      extraFiles: transcript ? await readSidecarFiles(path) : undefined,
      meta: {
        turn,
        session: {
          options: record.options,
          claudeSessionId: record.claudeSessionId,
          usage: record.usage,
          costUsd: record.costUsd,
          turns: record.turns,
          completedTurns: record.completedTurns,
          model: record.options.model,
        },
        events: await this.deps.log.position(record.id),
      },
      previous: await this.previous(record),
      workspace: workspace.snapshot,
      workspaceStored: { storedBytes: workspace.storedBytes, newBytes: workspace.newBytes },
    });
    this.latest.set(record.id, created.manifest);
    await this.deps.sessions.update(record.id, { lastCheckpointId: created.checkpointId });
    await writeLocalState(dirs.root, {
      checkpointId: created.checkpointId,
      completedTurns: record.completedTurns,
    });
    const { checkpointId, bytes, storedBytes, newBytes, manifest } = created;
    this.deps.metrics?.checkpointed(created, (performance.now() - started) / 1000);
    const tree = manifest.workspace;
    return {
      checkpointId,
      bytes,
      storedBytes,
      newBytes,
      workspace: tree ? { files: tree.files, bytes: tree.bytes } : undefined,
      leftOut: workspace.skipped,
    };
  }

  /**
   * Makes sure this worker holds the session's files before its CLI starts: its own as of its
   * last checkpoint (restored unless this worker's copy is that checkpoint), a forked
   * checkpoint's, or, for a new session, its workspace seed.
   */
  async prepare(record: SessionRecord): Promise<ResumePlan> {
    if (record.claudeSessionId || record.lastCheckpointId || record.completedTurns > 0) {
      return this.prepareOwn(record);
    }
    if (record.options.checkpointId) return this.prepareFork(record, record.options.checkpointId);
    await this.prepareSeed(record);
    return {};
  }

  forget(sessionId: string): void {
    this.latest.delete(sessionId);
    this.deps.workspaces.forget(sessionId);
  }

  /**
   * Drops this worker's copy of the session's files, so the next prepare() puts them back from
   * the store: after a lost turn, they may hold part of it.
   */
  async discardLocal(sessionId: string): Promise<void> {
    this.forget(sessionId);
    await rm(sessionDirs(this.deps.dataDir, sessionId).root, { recursive: true, force: true });
  }

  /**
   * The session's own files: this worker's copy when it is the last checkpoint's, else that
   * checkpoint restored. Redis may have lost the checkpoint's id (or more) while the store kept
   * it: then the store's newest checkpoint of the session is the one. Whatever the restored
   * state lacks of the turns the record counts is reported (`lostTurns`), never hidden.
   */
  private async prepareOwn(record: SessionRecord): Promise<ResumePlan> {
    const local = await readLocalState(sessionDirs(this.deps.dataDir, record.id).root);
    const checkpointId = record.lastCheckpointId ?? (await this.newestCheckpointOf(record));
    let claudeId = record.claudeSessionId;
    let lostTurns = 0;
    // This worker's copy serves if it holds every finished turn (whatever the store has); one
    // from before turns that ran elsewhere is stale, whether or not those were checkpointed.
    const current =
      local.completedTurns === undefined
        ? local.checkpointId === checkpointId
        : local.completedTurns === record.completedTurns;
    if (checkpointId && (!current || !this.hasTranscript(record, claudeId))) {
      const manifest = await this.restore(record, checkpointId);
      claudeId = manifest.session.claudeSessionId ?? claudeId;
      lostTurns = record.completedTurns - manifest.session.completedTurns;
      if (!record.lastCheckpointId) {
        await this.deps.sessions.update(record.id, {
          lastCheckpointId: checkpointId,
          claudeSessionId: claudeId,
        });
      }
    } else if (!checkpointId && !this.hasTranscript(record, claudeId)) {
      lostTurns = record.completedTurns;
    }
    const plan: ResumePlan =
      claudeId && this.hasTranscript(record, claudeId) ? { resume: claudeId } : {};
    return lostTurns > 0 ? { ...plan, lostTurns } : plan;
  }

  private hasTranscript(record: SessionRecord, claudeId: string | undefined): boolean {
    return claudeId !== undefined && existsSync(this.transcriptPathOf(record.id, claudeId));
  }

  /** The newest checkpoint of the session in the store (its refs are the durable list). */
  private async newestCheckpointOf(record: SessionRecord): Promise<string | undefined> {
    const all = await this.deps.store.list(record.tenant, record.id);
    const newest = all.reduce<(typeof all)[number] | undefined>(
      (best, c) =>
        !best || c.turn > best.turn || (c.turn === best.turn && c.createdAt > best.createdAt)
          ? c
          : best,
      undefined,
    );
    return newest?.checkpointId;
  }

  private async prepareFork(record: SessionRecord, checkpointId: string): Promise<ResumePlan> {
    const manifest = await this.deps.store.read(record.tenant, checkpointId);
    // The fork gets its own copy of the workspace: nothing is shared on disk.
    await this.restoreWorkspace(record, manifest);
    await writeLocalState(sessionDirs(this.deps.dataDir, record.id).root, { seeded: true });
    const source = manifest.session.claudeSessionId;
    if (!source || !manifest.transcript) return {};
    await this.deps.store.restoreTranscript(
      record.tenant,
      manifest,
      this.transcriptPathOf(record.id, source),
    );
    return { resume: source, forkSession: true };
  }

  private async prepareSeed(record: SessionRecord): Promise<void> {
    const dirs = sessionDirs(this.deps.dataDir, record.id);
    if (!record.options.workspace || (await readLocalState(dirs.root)).seeded) return;
    const { seedTree } = await this.deps.workspaces.seed(record, dirs.workspaceDir);
    if (seedTree && seedTree !== record.options.workspace.seedTree) {
      const options = {
        ...record.options,
        workspace: { ...record.options.workspace, seedTree },
      };
      await this.deps.sessions.update(record.id, { options });
      record.options = options;
    }
    await writeLocalState(dirs.root, { seeded: true });
  }

  private async restore(record: SessionRecord, checkpointId: string): Promise<CheckpointManifest> {
    const manifest = await this.deps.store.read(record.tenant, checkpointId);
    const dirs = sessionDirs(this.deps.dataDir, record.id);
    await this.restoreWorkspace(record, manifest);
    const claudeId = manifest.session.claudeSessionId;
    if (claudeId && manifest.transcript) {
      const path = this.transcriptPathOf(record.id, claudeId);
      await this.deps.store.restoreTranscript(record.tenant, manifest, path);
      // The CLI deletes transcripts older than its cleanup period: a restored one is new.
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
    }
    await writeLocalState(dirs.root, {
      checkpointId,
      completedTurns: manifest.session.completedTurns,
    });
    this.latest.set(manifest.sessionId, manifest);
    return manifest;
  }

  private async restoreWorkspace(
    record: SessionRecord,
    manifest: CheckpointManifest,
  ): Promise<void> {
    if (!manifest.workspace) return;
    const dir = sessionDirs(this.deps.dataDir, record.id).workspaceDir;
    await this.deps.workspaces.restore(record.tenant, record.id, manifest.workspace.tree, dir);
  }

  private async previous(record: SessionRecord): Promise<CheckpointManifest | undefined> {
    const cached = this.latest.get(record.id);
    if (cached || !record.lastCheckpointId) return cached;
    return this.deps.store.read(record.tenant, record.lastCheckpointId).catch(() => undefined);
  }

  private transcriptPathOf(sessionId: string, claudeSessionId: string): string {
    const dirs = sessionDirs(this.deps.dataDir, sessionId);
    return transcriptPath(
      dirs.configDir,
      this.deps.launcher.visibleCwd(dirs.workspaceDir),
      claudeSessionId,
    );
  }
}
