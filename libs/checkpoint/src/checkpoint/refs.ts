import { z } from 'zod';
import { parseKey, refKey, refsPrefix } from '../content/layout';
import type { ObjectStore } from '../object-store/object-store';
import type { CheckpointManifest } from '../manifest/schema';

/**
 * A ref records that a session has a checkpoint: it is the durable list that GC marks from and
 * that `checkpoint_list` reads (Redis may cache it; losing Redis loses nothing). Its key alone
 * names the session, time and checkpoint id; the small body saves reading the manifest to list.
 */
export const RefBody = z.object({
  label: z.string().optional(),
  turn: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  createdAt: z.number().int().nonnegative(),
});
export type RefBody = z.infer<typeof RefBody>;

export interface RefEntry {
  key: string;
  sessionId: string;
  createdAt: number;
  checkpointId: string;
}

export function refKeyOf(manifest: CheckpointManifest, checkpointId: string): string {
  return refKey(manifest.tenant, manifest.sessionId, manifest.createdAt, checkpointId);
}

export async function writeRef(
  objects: ObjectStore,
  manifest: CheckpointManifest,
  checkpointId: string,
  bytes: number,
): Promise<void> {
  const body: RefBody = {
    label: manifest.label,
    turn: manifest.turn,
    bytes,
    createdAt: manifest.createdAt,
  };
  // Same key ⇒ same checkpoint id ⇒ same body, so a plain PUT is idempotent and saves the
  // HEAD that a conditional write costs on stores without If-None-Match.
  await objects.put(refKeyOf(manifest, checkpointId), Buffer.from(JSON.stringify(body)));
}

/** The session's refs in key order, which is creation order. */
export async function listRefs(
  objects: ObjectStore,
  tenant: string,
  sessionId: string,
): Promise<RefEntry[]> {
  const entries: RefEntry[] = [];
  for await (const { key } of objects.list(refsPrefix(tenant, sessionId))) {
    const parsed = parseKey(key);
    if (parsed?.kind === 'ref' && parsed.sessionId === sessionId) entries.push({ key, ...parsed });
  }
  return entries;
}

/** The ref's body, or undefined when it is gone or unreadable (the caller can use the manifest). */
export async function readRefBody(objects: ObjectStore, key: string): Promise<RefBody | undefined> {
  const raw = await objects.get(key);
  if (!raw) return undefined;
  try {
    const parsed = RefBody.safeParse(JSON.parse(raw.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
