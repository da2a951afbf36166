import type { ChunkRef } from '../manifest/schema';

/**
 * Groups a file's chunk list into pages. Once a page has PAGE_MIN chunks, it ends after a chunk
 * whose hash has its top 32 bits ≡ 0 mod PAGE_TARGET (or at PAGE_MAX chunks), so page
 * boundaries depend only on the chunk list itself: appending chunks never changes a sealed
 * page, and the sealed pages of a longer file start with the sealed pages of any prefix of it.
 *
 * Pages average ~40 chunks (~2.5 MB of transcript). That balances the two costs every
 * checkpoint pays: the open tail inline in the manifest (≤ a page of ~90-byte refs) and one
 * ~0.1 kB page ref per sealed page. PAGE_MIN keeps small files (< 8 chunks) page-free.
 */
export const PAGE_MIN = 8;
export const PAGE_TARGET = 32;
export const PAGE_MAX = 256;

export interface Paged {
  sealed: ChunkRef[][];
  open: ChunkRef[];
}

function endsPage(ref: ChunkRef): boolean {
  return Number.parseInt(ref.hash.slice(0, 8), 16) % PAGE_TARGET === 0;
}

/** `refs` must start at a page boundary (the start of the file, or right after a sealed page). */
export function paginate(refs: readonly ChunkRef[]): Paged {
  const sealed: ChunkRef[][] = [];
  let open: ChunkRef[] = [];
  for (const ref of refs) {
    open.push(ref);
    if ((open.length >= PAGE_MIN && endsPage(ref)) || open.length >= PAGE_MAX) {
      sealed.push(open);
      open = [];
    }
  }
  return { sealed, open };
}
