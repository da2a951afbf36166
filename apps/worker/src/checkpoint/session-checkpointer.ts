import { existsSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { transcriptPath, type Launcher } from '@app/claude';
import type { CheckpointManifest, CheckpointStore, CreatedCheckpoint } from '@app/checkpoint';
import type { SessionRecord } from '@app/contracts';
import type { SessionStore } from '@app/sessions';
import type { SessionEventLog } from '@app/stream';
import { sessionDirs } from '../runtime/live-session-registry';
import { readCompleteTranscript, readSidecarFiles } from './transcript-files';

/** How the CLI should start: resume Claude's own session, optionally as a fork. */
export interface ResumePlan {
  resume?: string;
  forkSession?: boolean;
}

export interface CheckpointerDeps {
  store: CheckpointStore;
  sessions: SessionStore;
  log: SessionEventLog;
  dataDir: string;
  launcher: Launcher;
}

/**
 * Checkpoints a session after its turns and puts its transcript back before its CLI starts, on
 * whichever worker that happens: the object store, not this worker's disk, is what lasts.
 */
export class SessionCheckpointer {
  /** The last manifest per session, so the next checkpoint reuses its chunks without a read. */
  private readonly latest = new Map<string, CheckpointManifest>();

  constructor(private readonly deps: CheckpointerDeps) {}

  /** Stores transcript and session state as of the last completed turn. */
  async checkpoint(
    record: SessionRecord,
    turn: number,
    label?: string,
  ): Promise<CreatedCheckpoint | undefined> {
    if (!record.claudeSessionId) return undefined;
    const path = this.transcriptPathOf(record.id, record.claudeSessionId);
    const transcript = await readCompleteTranscript(path);
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
    });
    this.latest.set(record.id, created.manifest);
    await this.deps.sessions.update(record.id, { lastCheckpointId: created.checkpointId });
    return created;
  }

  /**
   * Makes sure the transcript the CLI will resume exists on this worker: the session's own (from
   * its last checkpoint when this worker does not have it), or the forked checkpoint's.
   */
  async prepare(record: SessionRecord): Promise<ResumePlan> {
    if (record.claudeSessionId) {
      const path = this.transcriptPathOf(record.id, record.claudeSessionId);
      if (!existsSync(path) && record.lastCheckpointId) {
        await this.restore(record.tenant, record.lastCheckpointId, path);
      }
      return existsSync(path) ? { resume: record.claudeSessionId } : {};
    }
    if (record.options.checkpointId) {
      const manifest = await this.deps.store.read(record.tenant, record.options.checkpointId);
      const source = manifest.session.claudeSessionId;
      if (!source || !manifest.transcript) return {};
      await this.deps.store.restoreTranscript(
        record.tenant,
        manifest,
        this.transcriptPathOf(record.id, source),
      );
      return { resume: source, forkSession: true };
    }
    return {};
  }

  forget(sessionId: string): void {
    this.latest.delete(sessionId);
  }

  private async restore(tenant: string, checkpointId: string, path: string): Promise<void> {
    const manifest = await this.deps.store.read(tenant, checkpointId);
    await this.deps.store.restoreTranscript(tenant, manifest, path);
    // The CLI deletes transcripts older than its cleanup period: a restored one is new.
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined);
    this.latest.set(manifest.sessionId, manifest);
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
