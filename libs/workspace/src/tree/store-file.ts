import { constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import {
  type ChunkingOptions,
  type ContentStore,
  type StoredBlob,
  storeChunked,
} from '@app/checkpoint';
import { type FileStamp, stampOf } from './stat-cache';
import type { FileContent } from './tree-blob';
import { codeOf } from './walk';

export interface FileStoreOptions {
  /** Files smaller than this are one blob; larger ones are content-defined chunks. */
  smallFileBytes: number;
  chunking: ChunkingOptions;
}

export type StoredFile =
  | {
      stored: true;
      content: FileContent;
      size: number;
      mode: number;
      /** Undefined when the file changed while it was read: then it is not cached. */
      stamp?: FileStamp;
      storedBytes: number;
      newBytes: number;
    }
  | { stored: false; detail: string };

/**
 * Small-file blobs put by this snapshot, by hash: two files with the same bytes (empty files,
 * copies) cost one put, and the bytes it stored are counted once.
 */
export type PutMemo = Map<string, Promise<StoredBlob>>;

// O_NOFOLLOW: a file swapped for a symlink since the walk is not followed out of the workspace.
// O_NONBLOCK: a file swapped for a FIFO does not block the open; fstat then refuses it.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Reads one file and stores it. The entry always describes the bytes that were stored: its
 * size is what was read and its hash is of that buffer, so a file written to during the read
 * gives a consistent (if mixed) version, never an entry that points at other bytes. A file that
 * vanished or turned into something else is reported instead.
 */
export async function storeFile(
  store: ContentStore,
  path: string,
  previous: FileContent | undefined,
  options: FileStoreOptions,
  memo: PutMemo,
): Promise<StoredFile> {
  const read = await readWhole(path).catch((err: unknown) => ({ error: whyUnreadable(err) }));
  if ('error' in read) return { stored: false, detail: read.error };
  const { bytes, mode, stamp } = read;
  const base = { stored: true as const, size: bytes.length, mode, stamp };
  if (bytes.length < options.smallFileBytes) {
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (previous && 'hash' in previous && previous.hash === hash) {
      return { ...base, content: previous, storedBytes: 0, newBytes: 0 };
    }
    const first = !memo.has(hash);
    if (first) memo.set(hash, store.putBlob(bytes));
    const put = await (memo.get(hash) as Promise<StoredBlob>);
    return {
      ...base,
      content: { hash },
      storedBytes: first ? put.storedBytes : 0,
      newBytes: first && put.isNew ? put.size : 0,
    };
  }
  const chunkedPrevious = previous && 'sha256' in previous ? previous : undefined;
  if (chunkedPrevious && unchangedChunked(bytes, chunkedPrevious)) {
    return { ...base, content: chunkedPrevious, storedBytes: 0, newBytes: 0 };
  }
  const put = await storeChunked(
    store,
    bytes,
    chunkedPrevious && { size: sizeOf(chunkedPrevious), ...chunkedPrevious },
    options.chunking,
  );
  const { sha256, pages, chunks } = put.content;
  return {
    ...base,
    content: { sha256, pages, chunks },
    storedBytes: put.storedBytes,
    newBytes: put.newBytes,
  };
}

/** The bytes fstat reported at open, the permission bits, and a stamp if nothing moved. */
async function readWhole(
  path: string,
): Promise<{ bytes: Buffer; mode: number; stamp?: FileStamp } | { error: string }> {
  const handle = await open(path, OPEN_FLAGS);
  try {
    const before = await handle.stat();
    if (!before.isFile()) return { error: 'no longer a regular file' };
    const bytes = Buffer.allocUnsafe(before.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const after = await handle.stat();
    const steady =
      filled === before.size &&
      after.size === before.size &&
      after.mtimeMs === before.mtimeMs &&
      after.ctimeMs === before.ctimeMs;
    return {
      bytes: bytes.subarray(0, filled),
      mode: before.mode & 0o7777,
      stamp: steady ? stampOf(after) : undefined,
    };
  } finally {
    await handle.close();
  }
}

/** Only hashed when the size matches: a "touched" large file is then not stored again. */
function unchangedChunked(bytes: Buffer, previous: { sha256: string } & FileContent): boolean {
  if (bytes.length !== sizeOf(previous)) return false;
  return createHash('sha256').update(bytes).digest('hex') === previous.sha256;
}

function sizeOf(content: FileContent): number {
  if ('hash' in content) return -1;
  const sum = (refs: Array<{ size: number }>): number => refs.reduce((a, r) => a + r.size, 0);
  return sum(content.pages) + sum(content.chunks);
}

function whyUnreadable(err: unknown): string {
  const code = codeOf(err);
  if (code === 'ENOENT') return 'vanished';
  if (code === 'ELOOP') return 'became a symlink';
  return code;
}
