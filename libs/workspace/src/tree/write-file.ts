import { createHash } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { type ContentStore, readChunkList, RestoreMismatch } from '@app/checkpoint';
import type { PlannedFile } from './restore-plan';

/**
 * Writes one stored file to a new path (`wx`: never over something else), checking what the
 * store's hash check cannot: that a blob has the size the tree says, and that a chunked file's
 * chunks have their listed sizes and together hash to the file's SHA-256.
 */
export async function writeStoredFile(
  content: ContentStore,
  file: PlannedFile,
  path: string,
): Promise<void> {
  if ('hash' in file.content) {
    const blob = await content.getBlob(file.content.hash);
    if (blob.length !== file.size) {
      throw new RestoreMismatch(
        file.rel,
        `its blob is ${blob.length} bytes, the tree says ${file.size}`,
      );
    }
    await writeFile(path, blob, { flag: 'wx', mode: 0o600 });
    return;
  }
  const chunks = await readChunkList(content, { size: file.size, ...file.content });
  const listed = chunks.reduce((total, c) => total + c.size, 0);
  if (listed !== file.size) {
    throw new RestoreMismatch(
      file.rel,
      `its chunks add up to ${listed} bytes, the tree says ${file.size}`,
    );
  }
  const handle = await open(path, 'wx', 0o600);
  try {
    const hash = createHash('sha256');
    let index = 0;
    for await (const blob of content.getBlobs(chunks.map((c) => c.hash))) {
      const expected = chunks[index++].size;
      if (blob.length !== expected) {
        throw new RestoreMismatch(
          file.rel,
          `chunk ${index} is ${blob.length} bytes, not ${expected}`,
        );
      }
      hash.update(blob);
      await handle.write(blob);
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== file.content.sha256) {
      throw new RestoreMismatch(
        file.rel,
        `its bytes hash to ${sha256.slice(0, 12)}…, not ${file.content.sha256.slice(0, 12)}…`,
      );
    }
  } finally {
    await handle.close();
  }
}
