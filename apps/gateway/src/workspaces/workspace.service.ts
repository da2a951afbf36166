import { InvalidRequest } from '@app/contracts';
import type { CheckpointManifest, CheckpointStore } from '@app/checkpoint';
import type { SessionStore } from '@app/sessions';
import { asText, WorkspaceReader } from '@app/workspace';

/**
 * workspace_list / workspace_read / workspace_diff, answered from the object store by any
 * gateway: a session's workspace as of a checkpoint, without asking the worker that runs it.
 */
export class WorkspaceService {
  constructor(
    private readonly sessions: SessionStore,
    private readonly checkpoints: CheckpointStore,
  ) {}

  async list(tenant: string, sessionId: string, checkpointId?: string, path?: string) {
    const { tree, checkpointId: id } = await this.treeOf(tenant, sessionId, checkpointId);
    const listing = await this.reader(tenant).list(tree, path, { recursive: true, limit: 10_000 });
    return { checkpointId: id, entries: listing.entries, truncated: listing.truncated };
  }

  async read(
    tenant: string,
    args: {
      sessionId: string;
      path: string;
      checkpointId?: string;
      offset?: number;
      length?: number;
    },
  ) {
    const { tree, checkpointId } = await this.treeOf(tenant, args.sessionId, args.checkpointId);
    const file = await this.reader(tenant).read(tree, args.path, {
      offset: args.offset,
      length: args.length ?? DEFAULT_READ_BYTES,
    });
    // Any NUL makes it base64: a client gets the bytes back exactly.
    const text = asText(file.content, file.content.length);
    return {
      checkpointId,
      path: args.path,
      type: file.type,
      size: file.size,
      encoding: text === undefined ? ('base64' as const) : ('utf8' as const),
      content: text ?? file.content.toString('base64'),
    };
  }

  /** From `from` (default: the seed) to `to` (default: the latest checkpoint). */
  async diff(tenant: string, sessionId: string, from?: string, to?: string) {
    const target = await this.treeOf(tenant, sessionId, to);
    const base = from
      ? await this.treeOf(tenant, sessionId, from)
      : { tree: target.manifest.workspace?.seed, checkpointId: undefined };
    const result = await this.reader(tenant).diff(base.tree, target.tree);
    return {
      from: base.checkpointId ?? 'seed',
      to: target.checkpointId,
      diff: result.diff,
      files: result.files,
      truncated: result.truncated,
    };
  }

  private reader(tenant: string): WorkspaceReader {
    return new WorkspaceReader(this.checkpoints.content(tenant));
  }

  /** The checkpoint's workspace tree; the checkpoint must be this session's. */
  private async treeOf(
    tenant: string,
    sessionId: string,
    checkpointId?: string,
  ): Promise<{ tree: string; checkpointId: string; manifest: CheckpointManifest }> {
    const record = await this.sessions.get(tenant, sessionId);
    const id = checkpointId ?? record.lastCheckpointId;
    if (!id) {
      throw new InvalidRequest(
        `session ${sessionId} has no checkpoint yet: its workspace is captured after its first turn`,
      );
    }
    const manifest = await this.checkpoints.read(tenant, id);
    if (manifest.sessionId !== sessionId) {
      throw new InvalidRequest(`checkpoint ${id} is not a checkpoint of session ${sessionId}`);
    }
    if (!manifest.workspace) {
      throw new InvalidRequest(`checkpoint ${id} holds no workspace`);
    }
    return { tree: manifest.workspace.tree, checkpointId: id, manifest };
  }
}

const DEFAULT_READ_BYTES = 1024 * 1024;
