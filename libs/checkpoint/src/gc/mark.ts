import type { ContentStore } from '../content/content-store';
import { ManifestUnreadable, ObjectMissing } from '../errors';
import { decodeManifest } from '../manifest/codec';
import type { ChunkedContent } from '../manifest/schema';
import { entryBlobHashes, WorkspaceTree } from '../manifest/tree';
import { parseJson, parsePage } from '../checkpoint/chunked-content';

/**
 * Collects the hashes of every object a tenant's checkpoints need: manifests, chunk pages and
 * their chunks, workspace trees and their files. Pages and trees shared by many checkpoints are
 * read once. Anything it cannot read except a missing manifest throws: GC must not sweep what
 * it could not prove unreachable.
 */
export class ReachableObjects {
  readonly hashes = new Set<string>();

  constructor(private readonly content: ContentStore) {}

  /** False when the manifest itself is gone (a dangling ref: nothing more to mark from it). */
  async markCheckpoint(checkpointId: string): Promise<boolean> {
    if (this.hashes.has(checkpointId)) return true;
    const blob = await this.content.getBlob(checkpointId).catch((err: unknown) => {
      if (err instanceof ObjectMissing) return undefined;
      throw err;
    });
    if (!blob) return false;
    const manifest = decodeManifest(checkpointId, blob);
    if (!manifest)
      throw new ManifestUnreadable(
        checkpointId,
        'checkpoint manifest',
        'a ref points at an object that is not a manifest',
      );
    this.hashes.add(checkpointId);
    if (manifest.transcript) {
      await this.markContent(manifest.transcript);
      for (const file of manifest.transcript.extraFiles ?? []) await this.markContent(file);
    }
    if (manifest.workspace) {
      await this.markTree(manifest.workspace.tree);
      if (manifest.workspace.seed) await this.markTree(manifest.workspace.seed);
    }
    return true;
  }

  private async markContent(content: Pick<ChunkedContent, 'pages' | 'chunks'>): Promise<void> {
    content.chunks.forEach((c) => this.hashes.add(c.hash));
    await this.markPages(content.pages.map((p) => p.hash));
  }

  private async markPages(pageHashes: string[]): Promise<void> {
    const unread = pageHashes.filter((h) => !this.hashes.has(h));
    unread.forEach((h) => this.hashes.add(h));
    let index = 0;
    for await (const blob of this.content.getBlobs(unread)) {
      parsePage(unread[index++], blob).chunks.forEach((c) => this.hashes.add(c.hash));
    }
  }

  private async markTree(treeHash: string): Promise<void> {
    if (this.hashes.has(treeHash)) return;
    this.hashes.add(treeHash);
    const parsed = WorkspaceTree.safeParse(parseJson(await this.content.getBlob(treeHash)));
    if (!parsed.success)
      throw new ManifestUnreadable(
        treeHash,
        'workspace tree',
        parsed.error.issues[0]?.message ?? 'invalid',
      );
    for (const entry of parsed.data.entries) {
      const { subtree, pages, blobs } = entryBlobHashes(entry);
      blobs.forEach((h) => this.hashes.add(h));
      await this.markPages(pages);
      if (subtree) await this.markTree(subtree);
    }
  }
}
