import type { ContentStore } from '../content/content-store';
import type { CheckpointManifest, SessionSnapshot, WorkspaceSnapshot } from '../manifest/schema';

/** Session state plus Claude's transcript, stored content-addressed; see ObjectCheckpointStore. */
export interface CheckpointStore {
  /** The tenant's content-addressed blobs, where workspace trees and their files live. */
  content(tenant: string): ContentStore;
  /** Writes chunks, then the manifest, then the ref: visible (listed, readable) only when complete. */
  create(input: CreateCheckpointInput): Promise<CreatedCheckpoint>;
  /**
   * A new checkpoint with the same content as `checkpointId` (its parent) under `label`: only a
   * manifest and a ref are written.
   */
  label(tenant: string, checkpointId: string, label?: string): Promise<CreatedCheckpoint>;
  /** The session's checkpoints, oldest first, from the refs in the object store. */
  list(tenant: string, sessionId: string): Promise<CheckpointSummary[]>;
  /** The verified manifest; CheckpointNotFound for unknown, deleted or another tenant's ids. */
  read(tenant: string, checkpointId: string): Promise<CheckpointManifest>;
  /**
   * Writes the transcript to `targetPath` and its extra files beside it, each verified and
   * renamed into place (fresh mtime). The transcript is written last, so a missing or corrupted
   * object leaves no transcript behind (and never a partial file).
   */
  restoreTranscript(
    tenant: string,
    manifest: CheckpointManifest,
    targetPath: string,
  ): Promise<RestoredTranscript>;
  /** Removes the session's refs; GC then frees what only those checkpoints used. */
  deleteSession(tenant: string, sessionId: string): Promise<{ deleted: number }>;
}

export interface CheckpointMeta {
  turn: number;
  session: SessionSnapshot;
  /** Position in the session's event stream when the checkpoint was taken. */
  events: { lastId: string; lastSeq: number };
}

export interface CreateCheckpointInput {
  tenant: string;
  sessionId: string;
  label?: string;
  /** The transcript's bytes or its path; null when the CLI has not written one yet. */
  transcript: Buffer | string | null;
  /** Defaults to the path's base name, else `<claudeSessionId>.jsonl`. */
  transcriptFileName?: string;
  /** Files the CLI keeps beside the transcript, paths relative to its directory. */
  extraFiles?: Array<{ path: string; content: Buffer | string }>;
  meta: CheckpointMeta;
  /**
   * The session's previous checkpoint (as read() or create() returned it): becomes `parent`,
   * and whatever of its transcript is still a prefix of this one is reused without any I/O.
   */
  previous?: CheckpointManifest;
  /** An already stored workspace tree (workspaces issue). Its bytes count in `bytes`. */
  workspace?: WorkspaceSnapshot | null;
  /** What storing that workspace added, so `storedBytes`/`newBytes` cover the whole checkpoint. */
  workspaceStored?: { storedBytes: number; newBytes: number };
  /** Milliseconds since the epoch; defaults to now. */
  createdAt?: number;
}

export interface CreatedCheckpoint {
  checkpointId: string;
  manifest: CheckpointManifest;
  /** Original size of what the checkpoint holds (transcript, extra files, workspace). */
  bytes: number;
  /** Compressed bytes this checkpoint added to the store (new chunks, pages and the manifest). */
  storedBytes: number;
  /** The same new objects, uncompressed. */
  newBytes: number;
}

export interface CheckpointSummary {
  checkpointId: string;
  label?: string;
  createdAt: number;
  turn: number;
  bytes: number;
}

export interface RestoredTranscript {
  path: string | null;
  bytes: number;
  files: number;
}
