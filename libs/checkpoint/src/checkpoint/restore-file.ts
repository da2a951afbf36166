import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ContentStore } from '../content/content-store';
import { RestoreMismatch } from '../errors';
import type { ChunkedContent } from '../manifest/schema';
import { readChunkList } from './chunked-content';

/**
 * Writes a stored file to `target`: chunks fetched in parallel (bounded) but written and hashed
 * in order into a temp file beside the target, checked against the manifest's size and
 * SHA-256, fsynced, then renamed over the target. On any failure the temp file is removed and
 * the target is untouched. The file gets a fresh mtime: the CLI deletes transcripts older than
 * its cleanup period, and a restored one must not look 30 days old.
 */
export async function restoreFile(
  store: ContentStore,
  content: ChunkedContent,
  target: string,
): Promise<void> {
  const chunks = await readChunkList(store, content);
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(
    dirname(target),
    `.${basename(target)}.restore-${randomBytes(6).toString('hex')}`,
  );
  const handle = await open(tmp, 'wx', 0o600);
  try {
    const hash = createHash('sha256');
    let written = 0;
    let index = 0;
    for await (const blob of store.getBlobs(chunks.map((c) => c.hash))) {
      if (blob.length !== chunks[index++].size) {
        throw new RestoreMismatch(
          target,
          `chunk ${index} is ${blob.length} bytes, the manifest says ${chunks[index - 1].size}`,
        );
      }
      hash.update(blob);
      await handle.write(blob);
      written += blob.length;
    }
    const sha256 = hash.digest('hex');
    if (written !== content.size || sha256 !== content.sha256) {
      throw new RestoreMismatch(
        target,
        `got ${written} bytes hashing to ${sha256.slice(0, 12)}…, expected ${content.size} bytes hashing to ${content.sha256.slice(0, 12)}…`,
      );
    }
    await handle.sync();
    await handle.close();
    await rename(tmp, target);
    const now = new Date();
    await utimes(target, now, now);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}
