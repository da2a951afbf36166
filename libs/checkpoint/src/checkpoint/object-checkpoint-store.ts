import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { assertChunkingOptions, type ChunkingOptions } from '../chunking/fastcdc';
import { mapBounded } from '../concurrency';
import { ContentStore, type ContentStoreOptions } from '../content/content-store';
import { assertCheckpointId, assertSessionId, assertTenant } from '../content/layout';
import {
  CheckpointNotFound,
  InvalidCheckpointArgument,
  ManifestUnreadable,
  ObjectCorrupted,
  ObjectMissing,
} from '../errors';
import { checkpointIdOf, decodeManifest, encodeManifest } from '../manifest/codec';
import {
  CheckpointManifest,
  RelativePath,
  TranscriptContent,
  type TranscriptFile,
} from '../manifest/schema';
import type { ObjectStore } from '../object-store/object-store';
import type {
  CheckpointStore,
  CheckpointSummary,
  CreateCheckpointInput,
  CreatedCheckpoint,
  RestoredTranscript,
} from './checkpoint-store';
import { storeChunked, type StoredContent } from './chunked-content';
import { listRefs, readRefBody, refKeyOf, writeRef } from './refs';
import { restoreFile } from './restore-file';

const LIST_CONCURRENCY = 16;
const EXTRA_FILES_CONCURRENCY = 4;

export interface CheckpointStoreOptions {
  content?: ContentStoreOptions;
  /** Defaults to TRANSCRIPT_CHUNKING (64/256/1024 KiB). */
  chunking?: ChunkingOptions;
}

/** The CheckpointStore over any ObjectStore (S3, MinIO, filesystem: same layout). */
export class ObjectCheckpointStore implements CheckpointStore {
  /** Ids of manifests this store read or wrote, so `previous` needs no re-encoding to find its id. */
  private readonly knownIds = new WeakMap<CheckpointManifest, string>();

  constructor(
    readonly objects: ObjectStore,
    private readonly options: CheckpointStoreOptions = {},
  ) {
    if (options.chunking) assertChunkingOptions(options.chunking);
  }

  /** The tenant's content-addressed blobs (the workspaces code stores its trees and files here). */
  content(tenant: string): ContentStore {
    return new ContentStore(this.objects, tenant, this.options.content);
  }

  async create(input: CreateCheckpointInput): Promise<CreatedCheckpoint> {
    assertTenant(input.tenant);
    assertSessionId(input.sessionId);
    if (input.previous && input.previous.tenant !== input.tenant) {
      throw new InvalidCheckpointArgument(
        'previous checkpoint',
        input.previous.sessionId,
        `a checkpoint of tenant ${input.tenant}`,
      );
    }
    const content = this.content(input.tenant);
    const stored = await this.storeTranscript(content, input);
    await this.assertWorkspaceStored(content, input);
    const manifest = this.buildManifest(input, stored?.transcript ?? null);
    const manifestBlob = await content.putBlob(encodeManifest(manifest));
    const bytes = checkpointBytes(manifest);
    await writeRef(this.objects, manifest, manifestBlob.hash, bytes);
    this.knownIds.set(manifest, manifestBlob.hash);
    return {
      checkpointId: manifestBlob.hash,
      manifest,
      bytes,
      storedBytes:
        (stored?.storedBytes ?? 0) +
        (input.workspaceStored?.storedBytes ?? 0) +
        manifestBlob.storedBytes,
      newBytes:
        (stored?.newBytes ?? 0) +
        (input.workspaceStored?.newBytes ?? 0) +
        (manifestBlob.isNew ? manifestBlob.size : 0),
    };
  }

  async label(tenant: string, checkpointId: string, label?: string): Promise<CreatedCheckpoint> {
    const source = await this.read(tenant, checkpointId);
    const manifest: CheckpointManifest = {
      ...source,
      parent: checkpointId,
      label,
      createdAt: Date.now(),
    };
    if (label === undefined) delete manifest.label;
    const manifestBlob = await this.content(tenant).putBlob(encodeManifest(manifest));
    const bytes = checkpointBytes(manifest);
    await writeRef(this.objects, manifest, manifestBlob.hash, bytes);
    this.knownIds.set(manifest, manifestBlob.hash);
    return {
      checkpointId: manifestBlob.hash,
      manifest,
      bytes,
      storedBytes: manifestBlob.storedBytes,
      newBytes: manifestBlob.isNew ? manifestBlob.size : 0,
    };
  }

  async list(tenant: string, sessionId: string): Promise<CheckpointSummary[]> {
    assertTenant(tenant);
    assertSessionId(sessionId);
    const refs = await listRefs(this.objects, tenant, sessionId);
    const summaries = await mapBounded(refs, LIST_CONCURRENCY, async (ref) => {
      const body = await readRefBody(this.objects, ref.key);
      if (body) return { checkpointId: ref.checkpointId, ...body };
      // An unreadable ref body costs one manifest read, not the listing.
      const manifest = await this.read(tenant, ref.checkpointId).catch(undefinedIfUnreadable);
      if (!manifest) return undefined;
      const { label, turn, createdAt } = manifest;
      return {
        checkpointId: ref.checkpointId,
        label,
        turn,
        createdAt,
        bytes: checkpointBytes(manifest),
      };
    });
    // Keys sort by creation time on S3; not every S3-compatible server lists in key order.
    return summaries
      .filter((s): s is CheckpointSummary => s !== undefined)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async read(tenant: string, checkpointId: string): Promise<CheckpointManifest> {
    assertTenant(tenant);
    assertCheckpointId(checkpointId);
    const blob = await this.content(tenant)
      .getBlob(checkpointId)
      .catch((err: unknown) => {
        throw err instanceof ObjectMissing ? new CheckpointNotFound(tenant, checkpointId) : err;
      });
    const manifest = decodeManifest(checkpointId, blob);
    if (!manifest || manifest.tenant !== tenant) throw new CheckpointNotFound(tenant, checkpointId);
    // A deleted session's manifests linger until GC; without their ref they no longer exist.
    if (!(await this.objects.head(refKeyOf(manifest, checkpointId))))
      throw new CheckpointNotFound(tenant, checkpointId);
    this.knownIds.set(manifest, checkpointId);
    return manifest;
  }

  async restoreTranscript(
    tenant: string,
    manifest: CheckpointManifest,
    targetPath: string,
  ): Promise<RestoredTranscript> {
    assertTenant(tenant);
    if (manifest.tenant !== tenant) throw new CheckpointNotFound(tenant, this.idOf(manifest));
    const transcript = manifest.transcript;
    if (!transcript) return { path: null, bytes: 0, files: 0 };
    const content = this.content(tenant);
    // The transcript goes last: the CLI looks only for it, so it must not appear without the rest.
    const extras = transcript.extraFiles ?? [];
    await mapBounded(extras, EXTRA_FILES_CONCURRENCY, (file) =>
      restoreFile(content, file, join(dirname(targetPath), file.path)),
    );
    await restoreFile(content, transcript, targetPath);
    return { path: targetPath, bytes: totalSize(transcript), files: 1 + extras.length };
  }

  async deleteSession(tenant: string, sessionId: string): Promise<{ deleted: number }> {
    assertTenant(tenant);
    assertSessionId(sessionId);
    const refs = await listRefs(this.objects, tenant, sessionId);
    await this.objects.delete(refs.map((r) => r.key));
    return { deleted: refs.length };
  }

  private idOf(manifest: CheckpointManifest): string {
    return this.knownIds.get(manifest) ?? checkpointIdOf(manifest);
  }

  private async storeTranscript(
    content: ContentStore,
    input: CreateCheckpointInput,
  ): Promise<{ transcript: TranscriptContent; storedBytes: number; newBytes: number } | undefined> {
    if (input.transcript === null) return undefined;
    const previous = input.previous?.transcript ?? undefined;
    const chunking = this.options.chunking;
    const main = await storeChunked(content, await bytesOf(input.transcript), previous, chunking);
    const extras = await mapBounded(
      input.extraFiles ?? [],
      EXTRA_FILES_CONCURRENCY,
      async (file) => {
        const path = parseRelativePath(file.path);
        const before = previous?.extraFiles?.find((f) => f.path === path);
        const stored = await storeChunked(content, await bytesOf(file.content), before, chunking);
        return { path, stored };
      },
    );
    const all: StoredContent[] = [main, ...extras.map((e) => e.stored)];
    const extraFiles: TranscriptFile[] = extras.map((e) => ({ path: e.path, ...e.stored.content }));
    return {
      transcript: {
        fileName: transcriptFileName(input),
        ...main.content,
        ...(extraFiles.length > 0 ? { extraFiles } : {}),
      },
      storedBytes: all.reduce((n, s) => n + s.storedBytes, 0),
      newBytes: all.reduce((n, s) => n + s.newBytes, 0),
    };
  }

  /** A manifest must never point at a tree that is not there (it would pass GC's mark as broken). */
  private async assertWorkspaceStored(
    content: ContentStore,
    input: CreateCheckpointInput,
  ): Promise<void> {
    const tree = input.workspace?.tree;
    if (tree && !(await content.hasBlob(tree))) throw new ObjectMissing(tree, input.tenant);
  }

  private buildManifest(
    input: CreateCheckpointInput,
    transcript: TranscriptContent | null,
  ): CheckpointManifest {
    const candidate = {
      version: 1,
      kind: 'checkpoint',
      tenant: input.tenant,
      sessionId: input.sessionId,
      parent: input.previous ? this.idOf(input.previous) : undefined,
      createdAt: input.createdAt ?? Date.now(),
      label: input.label,
      turn: input.meta.turn,
      session: input.meta.session,
      events: input.meta.events,
      transcript,
      workspace: input.workspace ?? null,
    };
    const parsed = CheckpointManifest.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidCheckpointArgument(
        'checkpoint metadata',
        issue?.path.join('.') ?? '',
        issue?.message ?? 'a valid manifest',
      );
    }
    return parsed.data;
  }
}

async function bytesOf(source: Buffer | string): Promise<Buffer> {
  return typeof source === 'string' ? readFile(source) : source;
}

function transcriptFileName(input: CreateCheckpointInput): string {
  if (input.transcriptFileName) return input.transcriptFileName;
  if (typeof input.transcript === 'string') return basename(input.transcript);
  const claudeId = input.meta.session.claudeSessionId;
  if (claudeId) return `${claudeId}.jsonl`;
  throw new InvalidCheckpointArgument(
    'transcript file name',
    '',
    'transcriptFileName, a transcript path, or session.claudeSessionId',
  );
}

function parseRelativePath(path: string): string {
  const parsed = RelativePath.safeParse(path);
  if (!parsed.success)
    throw new InvalidCheckpointArgument(
      'extra file path',
      path,
      'a relative path inside the project directory',
    );
  return parsed.data;
}

function checkpointBytes(manifest: CheckpointManifest): number {
  return (
    (manifest.transcript ? totalSize(manifest.transcript) : 0) + (manifest.workspace?.bytes ?? 0)
  );
}

/** A checkpoint that cannot be read is left out of a listing; an outage still fails it. */
function undefinedIfUnreadable(err: unknown): undefined {
  if (
    err instanceof CheckpointNotFound ||
    err instanceof ObjectCorrupted ||
    err instanceof ManifestUnreadable
  ) {
    return undefined;
  }
  throw err;
}

function totalSize(transcript: TranscriptContent): number {
  return transcript.size + (transcript.extraFiles ?? []).reduce((n, f) => n + f.size, 0);
}
