import { createHash } from 'node:crypto';
import { paginate } from '../chunking/chunk-pages';
import { chunkContent, type ChunkingOptions, TRANSCRIPT_CHUNKING } from '../chunking/fastcdc';
import type { ContentStore, StoredBlob } from '../content/content-store';
import { ManifestUnreadable } from '../errors';
import { canonicalJsonBytes } from '../manifest/canonical-json';
import { ChunkPage, type ChunkedContent, type ChunkRef, type PageRef } from '../manifest/schema';

export interface StoredContent {
  content: ChunkedContent;
  /** What this call added to the store: compressed bytes, and the same objects uncompressed. */
  storedBytes: number;
  newBytes: number;
}

/**
 * Stores a file as content-defined chunks plus sealed chunk pages.
 *
 * When `previous` (the same file at an earlier checkpoint) is a prefix of `bytes` — a
 * transcript only grows — its pages and chunks are reused as they are and only the appended
 * bytes are chunked: a checkpoint then stores the turn's bytes and nothing it stored before.
 * Re-chunking the whole file would instead rewrite the chunk that used to end at EOF on every
 * checkpoint (on average half a chunk), whatever the chunker. Any other change (rewrite,
 * truncation) falls back to chunking the whole file, where FastCDC still shares every chunk
 * that did not change.
 */
export async function storeChunked(
  store: ContentStore,
  bytes: Buffer,
  previous?: ChunkedContent,
  chunking: ChunkingOptions = TRANSCRIPT_CHUNKING,
): Promise<StoredContent> {
  const { sha256, prefixMatches } = hashWithPrefix(bytes, previous);
  const base = prefixMatches && previous ? previous : undefined;
  const from = base?.size ?? 0;
  const spans = chunkContent(bytes.subarray(from), chunking);
  const chunkBlobs = await store.putBlobs(
    spans.map((s) => bytes.subarray(from + s.offset, from + s.offset + s.length)),
  );
  const paged = paginate([...(base?.chunks ?? []), ...chunkBlobs.map(toChunkRef)]);
  const pageBlobs = await store.putBlobs(paged.sealed.map(pageBlob));
  const pages: PageRef[] = paged.sealed.map((chunks, i) => ({
    hash: pageBlobs[i].hash,
    size: sum(chunks.map((c) => c.size)),
    chunks: chunks.length,
  }));
  const written = [...chunkBlobs, ...pageBlobs];
  return {
    content: {
      size: bytes.length,
      sha256,
      pages: [...(base?.pages ?? []), ...pages],
      chunks: paged.open,
    },
    storedBytes: sum(written.map((b) => b.storedBytes)),
    newBytes: sum(written.filter((b) => b.isNew).map((b) => b.size)),
  };
}

/** The full chunk list of a file: the chunks of each page (fetched, verified), then the tail. */
export async function readChunkList(
  store: ContentStore,
  content: ChunkedContent,
): Promise<ChunkRef[]> {
  const refs: ChunkRef[] = [];
  let index = 0;
  for await (const blob of store.getBlobs(content.pages.map((p) => p.hash))) {
    const ref = content.pages[index++];
    const page = parsePage(ref.hash, blob);
    if (page.chunks.length !== ref.chunks || sum(page.chunks.map((c) => c.size)) !== ref.size) {
      throw new ManifestUnreadable(
        ref.hash,
        'chunk page',
        'its chunks do not add up to the page reference',
      );
    }
    refs.push(...page.chunks);
  }
  refs.push(...content.chunks);
  return refs;
}

export function parsePage(hash: string, blob: Buffer): ChunkPage {
  const parsed = ChunkPage.safeParse(parseJson(blob));
  if (!parsed.success)
    throw new ManifestUnreadable(hash, 'chunk page', parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data;
}

export function parseJson(blob: Buffer): unknown {
  try {
    return JSON.parse(blob.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** One pass over the bytes: the whole file's hash, and whether it starts with `previous`. */
function hashWithPrefix(
  bytes: Buffer,
  previous?: ChunkedContent,
): { sha256: string; prefixMatches: boolean } {
  const hash = createHash('sha256');
  let prefixMatches = false;
  if (previous && previous.size <= bytes.length) {
    hash.update(bytes.subarray(0, previous.size));
    prefixMatches = hash.copy().digest('hex') === previous.sha256;
    hash.update(bytes.subarray(previous.size));
  } else {
    hash.update(bytes);
  }
  return { sha256: hash.digest('hex'), prefixMatches };
}

function pageBlob(chunks: ChunkRef[]): Buffer {
  return canonicalJsonBytes({ kind: 'chunk-page', version: 1, chunks } satisfies ChunkPage);
}

function toChunkRef(blob: StoredBlob): ChunkRef {
  return { hash: blob.hash, size: blob.size };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
