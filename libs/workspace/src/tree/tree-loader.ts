import type { ContentStore, WorkspaceTree } from '@app/checkpoint';
import { decodeTree } from './tree-blob';

/** Parsed trees kept per loader; trees are immutable (content-addressed), so never stale. */
const MEMO_LIMIT = 512;

/**
 * Reads tree blobs from the store, verified and parsed, each at most once while it stays in
 * the memo. Concurrent loads of the same tree share one request.
 */
export class TreeLoader {
  private readonly memo = new Map<string, Promise<WorkspaceTree>>();

  constructor(readonly content: ContentStore) {}

  load(hash: string): Promise<WorkspaceTree> {
    const known = this.memo.get(hash);
    if (known) return known;
    const loading = this.content.getBlob(hash).then((blob) => decodeTree(hash, blob));
    loading.catch(() => this.memo.delete(hash));
    if (this.memo.size >= MEMO_LIMIT) this.memo.delete(this.memo.keys().next().value as string);
    this.memo.set(hash, loading);
    return loading;
  }
}
