import { ManifestUnreadable } from '../errors';
import { sha256Hex } from '../hashing';
import { canonicalJsonBytes } from './canonical-json';
import { CheckpointManifest } from './schema';

export function encodeManifest(manifest: CheckpointManifest): Buffer {
  return canonicalJsonBytes(manifest);
}

/** What a manifest's id is when nobody remembered it: the hash of its canonical encoding. */
export function checkpointIdOf(manifest: CheckpointManifest): string {
  return sha256Hex(encodeManifest(manifest));
}

/**
 * The manifest in a verified blob; undefined when the blob is not a checkpoint manifest at all
 * (e.g. someone passed a chunk's hash as a checkpoint id); ManifestUnreadable when it is one
 * that this version cannot read (newer version, damaged fields).
 */
export function decodeManifest(hash: string, blob: Buffer): CheckpointManifest | undefined {
  let json: unknown;
  try {
    json = JSON.parse(blob.toString('utf8'));
  } catch {
    return undefined;
  }
  if (
    typeof json !== 'object' ||
    json === null ||
    (json as { kind?: unknown }).kind !== 'checkpoint'
  )
    return undefined;
  const parsed = CheckpointManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ManifestUnreadable(
      hash,
      'checkpoint manifest',
      `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
