/** The target of the symlink at `path` (relative to the root), or undefined when it is not one. */
export type ReadLink = (path: string) => Promise<string | undefined> | string | undefined;

const MAX_LINK_HOPS = 40; // as the kernel's ELOOP limit

/**
 * Resolves the symlink at `linkPath` as the kernel would, one component at a time, and says
 * whether it stays inside the root. Checking each link on its own is not enough: `d -> .`
 * then `l -> d/..` escapes although both targets look harmless. Components that do not exist
 * (or are not symlinks) are read lexically.
 */
export async function resolvesInside(linkPath: string, readLink: ReadLink): Promise<boolean> {
  const resolved = linkPath.split('/').slice(0, -1);
  const first = await readLink(linkPath);
  if (first === undefined) return true;
  let pending = first.split('/');
  if (pending[0] === '') return false; // absolute
  for (let hops = 0; pending.length > 0;) {
    const segment = pending.shift() as string;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (resolved.length === 0) return false;
      resolved.pop();
      continue;
    }
    resolved.push(segment);
    const target = await readLink(resolved.join('/'));
    if (target === undefined) continue;
    if (++hops > MAX_LINK_HOPS) return true; // a loop inside the tree reaches nothing (ELOOP)
    if (target.startsWith('/')) return false;
    resolved.pop();
    pending = [...target.split('/'), ...pending];
  }
  return true;
}
