import {
  ChunkPage,
  type ChunkRef,
  type ContentStore,
  ManifestUnreadable,
  type PageRef,
  RestoreMismatch,
} from '@app/checkpoint';
import type { FileEntry } from './tree-blob';

interface Placed<T> {
  ref: T;
  start: number;
}

/**
 * Bytes [start, end) of a stored file. A chunked file's pages and chunks carry their sizes, so
 * only the pages and chunks that overlap the range are fetched; each is verified by the store
 * and checked against its listed size.
 */
export async function readRange(
  content: ContentStore,
  entry: FileEntry,
  path: string,
  start: number,
  end: number,
): Promise<Buffer> {
  if (start >= end) return Buffer.alloc(0);
  if (entry.hash !== undefined) {
    const blob = await content.getBlob(entry.hash);
    if (blob.length !== entry.size) {
      throw new RestoreMismatch(
        path,
        `its blob is ${blob.length} bytes, the tree says ${entry.size}`,
      );
    }
    return blob.subarray(start, end);
  }
  const pages = place(entry.pages ?? [], 0);
  const pagesEnd = pages.length
    ? pages[pages.length - 1].start + pages[pages.length - 1].ref.size
    : 0;
  const tail = place(entry.chunks ?? [], pagesEnd);
  const listed = tail.length
    ? tail[tail.length - 1].start + tail[tail.length - 1].ref.size
    : pagesEnd;
  if (listed !== entry.size) {
    throw new RestoreMismatch(
      path,
      `its chunks add up to ${listed} bytes, the tree says ${entry.size}`,
    );
  }
  const chunks = [...(await chunksOfPages(content, pages.filter(overlaps(start, end)))), ...tail];
  const needed = chunks.filter(overlaps(start, end));
  const parts: Buffer[] = [];
  let index = 0;
  for await (const blob of content.getBlobs(needed.map((c) => c.ref.hash))) {
    const { ref } = needed[index++];
    if (blob.length !== ref.size) {
      throw new RestoreMismatch(
        path,
        `chunk ${ref.hash.slice(0, 12)}… is ${blob.length} bytes, not ${ref.size}`,
      );
    }
    parts.push(blob);
  }
  const first = needed[0]?.start ?? start;
  return Buffer.concat(parts).subarray(start - first, end - first);
}

function place<T extends { size: number }>(refs: readonly T[], from: number): Placed<T>[] {
  let start = from;
  return refs.map((ref) => {
    const placed = { ref, start };
    start += ref.size;
    return placed;
  });
}

function overlaps(start: number, end: number) {
  return (p: Placed<{ size: number }>): boolean => p.start < end && p.start + p.ref.size > start;
}

async function chunksOfPages(
  content: ContentStore,
  pages: readonly Placed<PageRef>[],
): Promise<Placed<ChunkRef>[]> {
  const chunks: Placed<ChunkRef>[] = [];
  let index = 0;
  for await (const blob of content.getBlobs(pages.map((p) => p.ref.hash))) {
    const { ref, start } = pages[index++];
    const page = decodePage(ref.hash, blob);
    const placed = place(page.chunks, start);
    const size = page.chunks.reduce((total, c) => total + c.size, 0);
    if (page.chunks.length !== ref.chunks || size !== ref.size) {
      throw new ManifestUnreadable(
        ref.hash,
        'chunk page',
        'its chunks do not add up to the page reference',
      );
    }
    chunks.push(...placed);
  }
  return chunks;
}

function decodePage(hash: string, blob: Buffer): ChunkPage {
  let json: unknown;
  try {
    json = JSON.parse(blob.toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = ChunkPage.safeParse(json);
  if (!parsed.success) {
    throw new ManifestUnreadable(hash, 'chunk page', parsed.error.issues[0]?.message ?? 'invalid');
  }
  return parsed.data;
}
