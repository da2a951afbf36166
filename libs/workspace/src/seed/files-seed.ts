import { decodeBase64Strict } from './base64';
import { normalizeEntryPath } from './entry-path';
import { SeedRejected } from './errors';
import type { SeedLedger } from './seed-ledger';
import type { SeedSink } from './seed-sink';

export interface SeedFile {
  path: string;
  content: string;
  encoding?: 'utf8' | 'base64';
}

const FILE_MODE = 0o644;

/** Checks every inline file against the ledger, then hands it to the sink (parents first). */
export async function applyFiles(
  files: readonly SeedFile[],
  ledger: SeedLedger,
  sink: SeedSink,
  signal?: AbortSignal,
): Promise<void> {
  for (const file of files) {
    signal?.throwIfAborted();
    const path = normalizeEntryPath(file.path);
    const content = decodeContent(file);
    const { newParents } = ledger.claim(path, 'file', content.length);
    for (const parent of newParents) await sink.mkdir(parent);
    await sink.writeFile(path, [content], FILE_MODE);
  }
}

function decodeContent(file: SeedFile): Buffer {
  if (file.encoding !== 'base64') return Buffer.from(file.content, 'utf8');
  const bytes = decodeBase64Strict(file.content);
  if (!bytes) {
    throw new SeedRejected(
      'bad_encoding',
      'content is not valid base64; encode the bytes as base64 or send text with encoding "utf8"',
      file.path,
    );
  }
  return bytes;
}
