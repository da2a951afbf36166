import type { WorkspaceSeed } from './api-types.mts';

/** The API takes 4 MiB per request; base64 grows binary files by a third. */
const MAX_SEED_BYTES = 3 * 1024 * 1024;

export class SeedTooLarge extends Error {
  override readonly name = 'SeedTooLarge';
}

/**
 * Chosen files as a `{ files }` seed: text as utf8, anything that is not valid UTF-8 as base64.
 * Files of a chosen folder keep their paths inside it (the folder's own name dropped).
 */
export async function filesSeed(files: readonly File[]): Promise<WorkspaceSeed> {
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total > MAX_SEED_BYTES) {
    throw new SeedTooLarge(
      `The files come to ${Math.round(total / 1024)} KiB; a seed sent from here can hold 3 MiB ` +
        '(for more, seed from git or an archive through the API)',
    );
  }
  const seeded = await Promise.all(
    files.map(async (file) => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const path = file.webkitRelativePath
        ? file.webkitRelativePath.split('/').slice(1).join('/')
        : file.name;
      try {
        const content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        return { path, content, encoding: 'utf8' as const };
      } catch {
        return { path, content: base64(bytes), encoding: 'base64' as const };
      }
    }),
  );
  return { files: seeded };
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
