import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * The transcript as the CLI left it, cut after its last complete line: a line the CLI is still
 * writing must not be stored half (the next checkpoint stores it whole).
 */
export async function readCompleteTranscript(path: string): Promise<Buffer | null> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const end = content.lastIndexOf(0x0a);
  return end < 0 ? Buffer.alloc(0) : content.subarray(0, end + 1);
}

/** Files the CLI keeps in `<session-id>/` beside the transcript (subagent transcripts, tool output). */
export async function readSidecarFiles(
  transcriptPath: string,
  limitBytes = 64 * 1024 * 1024,
): Promise<Array<{ path: string; content: Buffer }>> {
  const base = transcriptPath.replace(/\.jsonl$/, '');
  const dir = transcriptPath.slice(0, transcriptPath.lastIndexOf('/'));
  const files: Array<{ path: string; content: Buffer }> = [];
  let total = 0;
  for (const file of await walk(base)) {
    const size = (await stat(file)).size;
    if ((total += size) > limitBytes) break;
    files.push({ path: relative(dir, file), content: await readFile(file) });
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
    ),
  );
  return nested.flat().sort();
}
